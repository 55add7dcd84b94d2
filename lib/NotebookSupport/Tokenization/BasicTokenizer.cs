using System.Globalization;
using System.Text;

namespace NotebookSupport.Tokenization;

/// <summary>
/// Hugging Face's <c>BasicTokenizer</c> (with the lower-casing its <c>PreTrainedTokenizer.tokenize</c> does first):
/// lower-cases, cleans the text, puts spaces around CJK ideographs, applies NFC, splits on whitespace, strips
/// accents and splits off punctuation. Its words go to WordPiece.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' own BERT normaliser differs from Hugging Face in ways that change ids (it deletes
/// tabs and newlines instead of reading them as spaces, keeps zero-width and other format characters, drops
/// spacing marks (Mc) too, lower-cases only Lu, re-composes with NFC after stripping accents, and its
/// pre-tokeniser drops symbols such as <c>$</c>, <c>+</c> and emoji), so this class does that work instead.
/// </remarks>
/// <param name="doLowerCase">Lower-case the text first.</param>
/// <param name="stripAccents">Remove non-spacing marks after NFD.</param>
/// <param name="tokenizeChineseChars">Put spaces around CJK ideographs.</param>
/// <param name="neverSplit">
/// Hugging Face's <c>never_split</c> (the special tokens): a whitespace-separated word equal to one of them is kept
/// as it is. Special tokens written in the text are split off before this class runs; this only matters for one
/// that appears once control characters are removed, e.g. "[SE\u200bP]" in a cased model.
/// </param>
internal sealed class BasicTokenizer(bool doLowerCase, bool stripAccents, bool tokenizeChineseChars, IReadOnlySet<string> neverSplit)
{
    /// <summary>Splits one stretch of text (without special tokens) into the words WordPiece sees.</summary>
    public List<string> Tokenize(string text)
    {
        if (doLowerCase)
        {
            text = LowerCase(text);
        }

        string cleaned = CleanText(text);
        if (!Ascii.IsValid(cleaned))
        {
            cleaned = cleaned.Normalize(NormalizationForm.FormC);
        }

        var words = new List<string>();
        foreach (string token in SplitOnWhitespace(cleaned))
        {
            if (neverSplit.Contains(token))
            {
                words.Add(token);
            }
            else
            {
                SplitOnPunctuation(stripAccents ? StripAccents(token) : token, words);
            }
        }

        return words;
    }

    /// <summary>
    /// Python's <c>str.lower()</c>, one code point at a time: Hugging Face lower-cases the text that way
    /// (<c>re.sub("(.+?)", ...)</c> in <c>PreTrainedTokenizer.tokenize</c>) before the basic tokenizer runs, so a
    /// capital sigma always becomes σ, never the final ς. Python and .NET's invariant simple case mapping agree
    /// on every code point except U+0130 (İ), which Python maps to "i" + U+0307.
    /// </summary>
    private static string LowerCase(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text.ToLowerInvariant();
        }

        var sb = new StringBuilder(text.Length);
        foreach (Rune r in text.EnumerateRunes())
        {
            if (r.Value == 0x0130)
            {
                sb.Append("i\u0307");
            }
            else
            {
                Append(sb, Rune.ToLowerInvariant(r));
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// <c>_clean_text</c> and <c>_tokenize_chinese_chars</c>: drops NUL, U+FFFD and control characters (lone
    /// surrogates arrive here as U+FFFD), turns whitespace into a space and isolates CJK ideographs.
    /// </summary>
    private string CleanText(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (Rune r in text.EnumerateRunes())
        {
            if (r.Value is 0 or 0xFFFD || BertCharacterClasses.IsControl(r))
            {
                continue;
            }

            if (BertCharacterClasses.IsWhitespace(r))
            {
                sb.Append(' ');
            }
            else if (tokenizeChineseChars && BertCharacterClasses.IsChineseChar(r))
            {
                Append(sb.Append(' '), r).Append(' ');
            }
            else
            {
                Append(sb, r);
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// Python's <c>str.split()</c>. After cleaning, the only whitespace left besides the space is U+2028 and
    /// U+2029 (line and paragraph separators), which Python also splits on and <see cref="Rune.IsWhiteSpace"/> knows.
    /// </summary>
    private static IEnumerable<string> SplitOnWhitespace(string text)
    {
        int start = -1;
        int i = 0;
        foreach (Rune r in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(r))
            {
                if (start >= 0)
                {
                    yield return text[start..i];
                    start = -1;
                }
            }
            else if (start < 0)
            {
                start = i;
            }

            i += r.Utf16SequenceLength;
        }

        if (start >= 0)
        {
            yield return text[start..];
        }
    }

    /// <summary><c>_run_strip_accents</c>: canonical decomposition (NFD), then every non-spacing mark (Mn) removed.</summary>
    private static string StripAccents(string token)
    {
        if (Ascii.IsValid(token))
        {
            return token;
        }

        string decomposed = token.Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (Rune r in decomposed.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(r) != UnicodeCategory.NonSpacingMark)
            {
                Append(sb, r);
            }
        }

        return sb.ToString();
    }

    /// <summary><c>_run_split_on_punc</c>: every punctuation character becomes a word of its own.</summary>
    private static void SplitOnPunctuation(string token, List<string> words)
    {
        var current = new StringBuilder();
        foreach (Rune r in token.EnumerateRunes())
        {
            if (BertCharacterClasses.IsPunctuation(r))
            {
                if (current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }

                words.Add(r.ToString());
            }
            else
            {
                Append(current, r);
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }
    }

    private static StringBuilder Append(StringBuilder sb, Rune r)
    {
        Span<char> utf16 = stackalloc char[2];
        return sb.Append(utf16[..r.EncodeToUtf16(utf16)]);
    }
}
