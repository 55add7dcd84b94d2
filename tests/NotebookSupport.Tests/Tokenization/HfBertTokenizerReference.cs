using System.Globalization;
using System.Text;

namespace NotebookSupport.Tests.Tokenization;

/// <summary>
/// Test oracle: Hugging Face's slow <c>BertTokenizer</c> (<c>PreTrainedTokenizer.tokenize</c> + <c>BasicTokenizer</c> +
/// <c>WordpieceTokenizer</c>) transcribed rule by rule from transformers' Python onto code points, with a plain
/// dictionary for WordPiece. It shares no code with the library and does not use Microsoft.ML.Tokenizers.
/// </summary>
internal sealed class HfBertTokenizerReference
{
    private static readonly string[] _specialTokens = ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"];

    // Python's str.isspace(): the characters str.split() breaks on.
    private static readonly HashSet<int> _pythonWhitespace =
    [
        0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x1F, 0x20, 0x85, 0xA0, 0x1680,
        0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
        0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    ];

    private readonly Dictionary<string, int> _vocab = new(StringComparer.Ordinal);
    private readonly bool _lower;
    private readonly bool _stripAccents;

    public HfBertTokenizerReference(IReadOnlyList<string> vocabLines, bool lower = true, bool? stripAccents = null)
    {
        for (int i = 0; i < vocabLines.Count; i++)
        {
            _vocab[vocabLines[i]] = i;
        }

        _lower = lower;
        _stripAccents = stripAccents ?? lower;
    }

    public int Id(string token) => _vocab[token];

    public List<int> Encode(string text, int maxLength)
    {
        var ids = Tokenize(text).Select(t => _vocab[t]).ToList();
        var result = new List<int> { _vocab["[CLS]"] };
        result.AddRange(ids.Take(maxLength - 2));
        result.Add(_vocab["[SEP]"]);
        return result;
    }

    /// <summary>PreTrainedTokenizer.tokenize: lower-case char by char outside special tokens, split on special tokens (trie), _tokenize the rest.</summary>
    public List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        int[] cps = ToCodePoints(text);
        var pending = new List<int>();
        int i = 0;
        while (i < cps.Length)
        {
            string? special = _specialTokens.Where(s => _vocab.ContainsKey(s) && StartsWith(cps, i, s)).OrderByDescending(s => s.Length).FirstOrDefault();
            if (special is null)
            {
                pending.AddRange(_lower ? PythonLower(cps[i]) : [cps[i]]);
                i++;
                continue;
            }

            tokens.AddRange(TokenizeWithoutSpecials(pending.ToArray()));
            pending.Clear();
            tokens.Add(special);
            i += special.Length;
        }

        tokens.AddRange(TokenizeWithoutSpecials(pending.ToArray()));
        return tokens;
    }

    private List<string> TokenizeWithoutSpecials(int[] text)
    {
        // _clean_text + _tokenize_chinese_chars
        var cleaned = new List<int>();
        foreach (int cp in text)
        {
            if (cp == 0 || cp == 0xFFFD || IsControl(cp))
            {
                continue;
            }

            if (IsWhitespace(cp))
            {
                cleaned.Add(' ');
            }
            else if (IsChinese(cp))
            {
                cleaned.AddRange([' ', cp, ' ']);
            }
            else
            {
                cleaned.Add(cp);
            }
        }

        string nfc = FromCodePoints(cleaned).Normalize(NormalizationForm.FormC);
        var output = new List<string>();
        foreach (int[] word in PythonSplit(ToCodePoints(nfc)))
        {
            // BasicTokenizer.tokenize(text, never_split=all_special_tokens): such a word is neither lower-cased nor split.
            if (_specialTokens.Contains(FromCodePoints(word)))
            {
                output.AddRange(WordPiece(word));
                continue;
            }

            int[] w = word;
            if (_stripAccents)
            {
                w = ToCodePoints(FromCodePoints(w).Normalize(NormalizationForm.FormD))
                    .Where(cp => CharUnicodeInfo.GetUnicodeCategory(cp) != UnicodeCategory.NonSpacingMark).ToArray();
            }

            // _run_split_on_punc
            var current = new List<int>();
            foreach (int cp in w)
            {
                if (IsPunctuation(cp))
                {
                    if (current.Count > 0)
                    {
                        output.AddRange(WordPiece(current.ToArray()));
                        current.Clear();
                    }

                    output.AddRange(WordPiece([cp]));
                }
                else
                {
                    current.Add(cp);
                }
            }

            if (current.Count > 0)
            {
                output.AddRange(WordPiece(current.ToArray()));
            }
        }

        return output;
    }

    /// <summary>WordpieceTokenizer.tokenize for one word: greedy longest match, "##" continuations, [UNK] if stuck or longer than 100 chars.</summary>
    private List<string> WordPiece(int[] chars)
    {
        if (chars.Length > 100)
        {
            return ["[UNK]"];
        }

        var pieces = new List<string>();
        int start = 0;
        while (start < chars.Length)
        {
            string? found = null;
            int end = chars.Length;
            while (start < end)
            {
                string sub = (start > 0 ? "##" : "") + FromCodePoints(chars[start..end]);
                if (_vocab.ContainsKey(sub))
                {
                    found = sub;
                    break;
                }

                end--;
            }

            if (found is null)
            {
                return ["[UNK]"];
            }

            pieces.Add(found);
            start = end;
        }

        return pieces;
    }

    private static IEnumerable<int[]> PythonSplit(int[] cps)
    {
        var word = new List<int>();
        foreach (int cp in cps)
        {
            if (_pythonWhitespace.Contains(cp))
            {
                if (word.Count > 0)
                {
                    yield return word.ToArray();
                    word.Clear();
                }
            }
            else
            {
                word.Add(cp);
            }
        }

        if (word.Count > 0)
        {
            yield return word.ToArray();
        }
    }

    private static int[] PythonLower(int cp)
    {
        if (cp == 0x130)
        {
            return ['i', 0x307];
        }

        if (cp is >= 0xD800 and <= 0xDFFF)
        {
            return [cp];
        }

        return ToCodePoints(CultureInfo.InvariantCulture.TextInfo.ToLower(char.ConvertFromUtf32(cp)));
    }

    private static bool IsWhitespace(int cp) =>
        cp is ' ' or '\t' or '\n' or '\r' || CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.SpaceSeparator;

    private static bool IsControl(int cp) =>
        cp is not ('\t' or '\n' or '\r') && Category(cp).StartsWith('C');

    private static bool IsPunctuation(int cp) =>
        (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)
        || Category(cp).StartsWith('P');

    private static bool IsChinese(int cp) =>
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);

    /// <summary>Two-letter Unicode category as Python's unicodedata.category spells it.</summary>
    private static string Category(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp) switch
    {
        UnicodeCategory.Control => "Cc",
        UnicodeCategory.Format => "Cf",
        UnicodeCategory.Surrogate => "Cs",
        UnicodeCategory.PrivateUse => "Co",
        UnicodeCategory.OtherNotAssigned => "Cn",
        UnicodeCategory.ConnectorPunctuation => "Pc",
        UnicodeCategory.DashPunctuation => "Pd",
        UnicodeCategory.OpenPunctuation => "Ps",
        UnicodeCategory.ClosePunctuation => "Pe",
        UnicodeCategory.InitialQuotePunctuation => "Pi",
        UnicodeCategory.FinalQuotePunctuation => "Pf",
        UnicodeCategory.OtherPunctuation => "Po",
        _ => "--",
    };

    private static bool StartsWith(int[] cps, int at, string s)
    {
        int[] t = ToCodePoints(s);
        return at + t.Length <= cps.Length && cps.AsSpan(at, t.Length).SequenceEqual(t);
    }

    /// <summary>Code points of a .NET string; an unpaired surrogate stays a surrogate code point (category Cs), as in Python.</summary>
    private static int[] ToCodePoints(string s)
    {
        var cps = new List<int>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                cps.Add(char.ConvertToUtf32(s[i], s[i + 1]));
                i++;
            }
            else
            {
                cps.Add(s[i]);
            }
        }

        return cps.ToArray();
    }

    private static string FromCodePoints(IEnumerable<int> cps)
    {
        var sb = new StringBuilder();
        foreach (int cp in cps)
        {
            if (cp is >= 0xD800 and <= 0xDFFF)
            {
                sb.Append((char)cp);
            }
            else
            {
                sb.Append(char.ConvertFromUtf32(cp));
            }
        }

        return sb.ToString();
    }
}
