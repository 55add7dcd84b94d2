using System.Globalization;
using System.Text;

namespace NotebookSupport.Tokenization;

/// <summary>
/// The character classes of Hugging Face's <c>BasicTokenizer</c> (<c>_is_whitespace</c>, <c>_is_control</c>,
/// <c>_is_punctuation</c>, <c>_is_chinese_char</c>), on code points. Categories come from .NET's Unicode
/// tables, so characters assigned after the Unicode version of the reader's Python behave as in a newer Python.
/// </summary>
internal static class BertCharacterClasses
{
    /// <summary>Space, tab, newline, carriage return and the space separators (Zs) become a plain space.</summary>
    public static bool IsWhitespace(Rune c) =>
        c.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(c) == UnicodeCategory.SpaceSeparator;

    /// <summary>Every "other" category (Cc, Cf, Cs, Co, Cn) except tab, newline and carriage return, which are whitespace.</summary>
    public static bool IsControl(Rune c)
    {
        if (c.Value is '\t' or '\n' or '\r')
        {
            return false;
        }

        return Rune.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    /// <summary>
    /// All non-letter, non-digit ASCII (so <c>$</c>, <c>+</c>, <c>^</c>, <c>`</c> count although Unicode calls
    /// them symbols) and every Unicode punctuation category (P*).
    /// </summary>
    public static bool IsPunctuation(Rune c)
    {
        int cp = c.Value;
        if (cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126)
        {
            return true;
        }

        return Rune.GetUnicodeCategory(c) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation
            or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
            or UnicodeCategory.OtherPunctuation;
    }

    /// <summary>
    /// The CJK Unified Ideographs blocks (and compatibility ideographs) that BERT splits into one token per
    /// character. Hangul, Hiragana and Katakana are not in them: those scripts separate words with spaces.
    /// </summary>
    public static bool IsChineseChar(Rune c)
    {
        int cp = c.Value;
        return cp is >= 0x4E00 and <= 0x9FFF
            or >= 0x3400 and <= 0x4DBF
            or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F
            or >= 0x2B820 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF
            or >= 0x2F800 and <= 0x2FA1F;
    }
}
