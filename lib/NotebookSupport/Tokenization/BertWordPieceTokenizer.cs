using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.ML.Tokenizers;

namespace NotebookSupport.Tokenization;

/// <summary>
/// BERT's tokenizer: turns sentences into the token ids, attention mask and token type ids a BERT encoder
/// reads, with exactly the ids of Hugging Face's <c>BertTokenizer</c> (basic tokenizer + WordPiece).
/// </summary>
/// <remarks>
/// <para>Pipeline, as in Hugging Face:</para>
/// <list type="number">
/// <item>special tokens written in the text (<c>[SEP]</c>, <c>[MASK]</c>, ...) are kept whole;</item>
/// <item>uncased models lower-case the text (Python's <c>str.lower</c>);</item>
/// <item>NUL, U+FFFD and control/format characters (zero-width space, BOM, ...) are removed; tabs, newlines,
/// no-break and other Unicode spaces become spaces; each CJK ideograph becomes a word of its own;</item>
/// <item>NFC, split on whitespace, strip accents (NFD, drop non-spacing marks: café → cafe), split off every
/// punctuation character (ASCII symbols such as <c>$</c> and <c>+</c> included);</item>
/// <item>WordPiece, greedy longest match with <c>##</c> continuations ("unaffable" → un ##aff ##able); a word that
/// cannot be spelled, or is longer than 100 characters, becomes <c>[UNK]</c>;</item>
/// <item><c>[CLS]</c> … <c>[SEP]</c>, truncated so the whole sequence has at most <c>maxSeqLength</c> ids.</item>
/// </list>
/// <para>Steps 1–4 run here; step 5 is Microsoft.ML.Tokenizers' <see cref="BertTokenizer"/> (with its own basic
/// tokenization switched off, because that differs from Hugging Face's; see <c>BasicTokenizer</c>).</para>
/// <para>The reference is Hugging Face's Python <c>BertTokenizer</c>. Its Rust twin <c>BertTokenizerFast</c> gives the
/// same ids except in rare corners, e.g. a capital sigma ending a word (ΟΔΟΣ): Python lower-cases one character
/// at a time (σ), Rust the whole word (final ς).</para>
/// <example>
/// <code>
/// var tokenizer = BertWordPieceTokenizer.FromFolder("models/all-MiniLM-L6-v2");
/// tokenizer.Tokenize("A man is playing guitar.");   // a, man, is, playing, guitar, .
/// TokenizedBatch batch = tokenizer.EncodeBatch(["A man.", "A woman is eating."], maxSeqLength: 256);
/// var (ids, mask, types) = batch.ToTensors();       // [2, 7] each, padded with [PAD]
/// </code>
/// </example>
/// </remarks>
public sealed class BertWordPieceTokenizer
{
    /// <summary>Hugging Face's <c>max_input_chars_per_word</c>: longer words (in code points) become [UNK].</summary>
    public const int MaxInputCharsPerWord = 100;

    /// <summary>The vocabulary file name in Hugging Face and sentence-transformers folders.</summary>
    public const string VocabFileName = "vocab.txt";

    private readonly BertVocabulary _vocab;
    private readonly BasicTokenizer _basicTokenizer;
    private readonly BertTokenizer _wordPiece;
    private readonly (string Token, int Id)[] _specialTokens;

    // Words repeat a lot in a corpus; the cap keeps memory bounded on endless streams of new words.
    private const int WordCacheCapacity = 100_000;
    private readonly ConcurrentDictionary<string, int[]> _wordCache = new(StringComparer.Ordinal);

    private BertWordPieceTokenizer(BertVocabulary vocab, BertTokenizerConfig config)
    {
        _vocab = vocab;
        Config = config;
        UnkTokenId = vocab.RequireId(config.UnkToken, "unknown");
        SepTokenId = vocab.RequireId(config.SepToken, "separator");
        PadTokenId = vocab.RequireId(config.PadToken, "padding");
        ClsTokenId = vocab.RequireId(config.ClsToken, "classification");
        _basicTokenizer = new BasicTokenizer(config.DoLowerCase, config.StripsAccents, config.TokenizeChineseChars,
            config.SpecialTokens.Select(t => t.Token).ToHashSet(StringComparer.Ordinal));
        _specialTokens = config.SpecialTokens
            .Select(t => (t.Token, Id: vocab.TryGetId(t.Token, out int id) ? id : -1))
            .Where(t => t.Id >= 0)
            .DistinctBy(t => t.Token)
            .ToArray();

        // WordPiece only: the words arrive already normalised and split, so Microsoft.ML's basic tokenization,
        // special-token splitting and UTF-16 word-length limit are switched off (the limit is applied in code points here).
        var options = new BertOptions
        {
            ApplyBasicTokenization = false,
            LowerCaseBeforeTokenization = false,
            IndividuallyTokenizeCjk = false,
            RemoveNonSpacingMarks = false,
            SplitOnSpecialTokens = false,
            UnknownToken = config.UnkToken,
            SeparatorToken = config.SepToken,
            PaddingToken = config.PadToken,
            ClassificationToken = config.ClsToken,
            // It insists on a mask token in the vocabulary; Hugging Face does not, and none is used here.
            MaskingToken = vocab.TryGetId(config.MaskToken, out _) ? config.MaskToken : config.UnkToken,
            ContinuingSubwordPrefix = "##",
            MaxInputCharsPerWord = 2 * MaxInputCharsPerWord,
        };
        try
        {
            using MemoryStream lines = vocab.ToLineStream();
            _wordPiece = BertTokenizer.Create(lines, options);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Vocabulary '{vocab.SourceName}' was rejected by Microsoft.ML.Tokenizers: {e.Message}", e);
        }
    }

    /// <summary>The settings (casing, accents, special tokens) as saved in <c>tokenizer_config.json</c>.</summary>
    public BertTokenizerConfig Config { get; }

    /// <summary>Number of lines of <c>vocab.txt</c>: ids run from 0 to <c>VocabSize - 1</c> (the model's <c>vocab_size</c>).</summary>
    public int VocabSize => _vocab.Tokens.Length;

    /// <summary>Whether the text is lower-cased (uncased models such as bert-base-uncased and all-MiniLM-L6-v2).</summary>
    public bool DoLowerCase => Config.DoLowerCase;

    /// <summary>Whether accents are removed (café → cafe); by default the same as <see cref="DoLowerCase"/>.</summary>
    public bool StripAccents => Config.StripsAccents;

    /// <summary>Id of <c>[PAD]</c>, which fills a batch up to its longest sequence.</summary>
    public int PadTokenId { get; }

    /// <summary>Id of <c>[CLS]</c>, the first token of every sequence (what CLS pooling reads).</summary>
    public int ClsTokenId { get; }

    /// <summary>Id of <c>[SEP]</c>, the last token of every sequence.</summary>
    public int SepTokenId { get; }

    /// <summary>Id of <c>[UNK]</c>, for words WordPiece cannot spell.</summary>
    public int UnkTokenId { get; }

    /// <summary>Reads a <c>vocab.txt</c> (one token per line; the id is the line number).</summary>
    /// <param name="vocabPath">Path of the vocabulary file.</param>
    /// <param name="doLowerCase">Lower-case the text (uncased models).</param>
    /// <param name="stripAccents">Remove accents; <c>null</c> follows <paramref name="doLowerCase"/>, as in Hugging Face.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is unreadable, not UTF-8, empty, or lacks [CLS], [SEP], [PAD] or [UNK].</exception>
    public static BertWordPieceTokenizer FromVocabFile(string vocabPath, bool doLowerCase = true, bool? stripAccents = null) =>
        new(BertVocabulary.ReadFile(vocabPath), new BertTokenizerConfig(doLowerCase, stripAccents));

    /// <summary>Reads a <c>vocab.txt</c> with explicit settings (special-token names, CJK handling, ...).</summary>
    public static BertWordPieceTokenizer FromVocabFile(string vocabPath, BertTokenizerConfig config) =>
        new(BertVocabulary.ReadFile(vocabPath), config);

    /// <summary>Reads a vocabulary from a stream, e.g. a resource embedded in an assembly.</summary>
    /// <param name="vocab">The vocabulary, UTF-8, one token per line; read to the end, not disposed.</param>
    /// <param name="sourceName">Name used in error messages (a path or a resource name).</param>
    /// <param name="doLowerCase">Lower-case the text (uncased models).</param>
    /// <param name="stripAccents">Remove accents; <c>null</c> follows <paramref name="doLowerCase"/>, as in Hugging Face.</param>
    public static BertWordPieceTokenizer FromVocabStream(Stream vocab, string sourceName, bool doLowerCase = true, bool? stripAccents = null)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        return new(BertVocabulary.Read(vocab, sourceName), new BertTokenizerConfig(doLowerCase, stripAccents));
    }

    /// <summary>
    /// Loads the tokenizer of a Hugging Face or sentence-transformers folder: <c>vocab.txt</c>, plus
    /// <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> when present.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no <c>vocab.txt</c>.</exception>
    /// <exception cref="InvalidDataException">A file is unreadable or malformed (the message names it).</exception>
    public static BertWordPieceTokenizer FromFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Tokenizer folder '{folder}' does not exist.");
        }

        string vocabPath = Path.Combine(folder, VocabFileName);
        if (!File.Exists(vocabPath))
        {
            throw new FileNotFoundException(
                $"Tokenizer folder '{folder}' has no {VocabFileName} (expected the WordPiece vocabulary of a BERT model at '{vocabPath}').", vocabPath);
        }

        return new(BertVocabulary.ReadFile(vocabPath), BertTokenizerConfig.Load(folder));
    }

    /// <summary>WordPiece tokens of <paramref name="text"/>, without [CLS]/[SEP] and without truncation.</summary>
    public IReadOnlyList<string> Tokenize(string text) => ConvertIdsToTokens(TokenizeToIds(text));

    /// <summary>Token ids <c>[CLS] … [SEP]</c>; the tokens of the text are cut so the total is at most <paramref name="maxSeqLength"/>.</summary>
    /// <param name="text">The sentence.</param>
    /// <param name="maxSeqLength">Longest sequence including [CLS] and [SEP], at least 2 (e.g. the model's max_seq_length).</param>
    public int[] Encode(string text, int maxSeqLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSeqLength, 2);
        List<int> ids = TokenizeToIds(text);
        int kept = Math.Min(ids.Count, maxSeqLength - 2);
        var result = new int[kept + 2];
        result[0] = ClsTokenId;
        ids.CopyTo(0, result, 1, kept);
        result[^1] = SepTokenId;
        return result;
    }

    /// <summary>
    /// Encodes each text (see <see cref="Encode"/>) and pads them with [PAD] to the longest one: attention mask 1 on
    /// real tokens and 0 on padding, token type ids all 0 (single sentences).
    /// </summary>
    /// <param name="texts">The sentences of the batch.</param>
    /// <param name="maxSeqLength">Longest sequence including [CLS] and [SEP], at least 2.</param>
    public TokenizedBatch EncodeBatch(IReadOnlyList<string> texts, int maxSeqLength) =>
        TokenizedBatch.Pad(EncodeAll(texts, maxSeqLength), PadTokenId);

    /// <summary>
    /// <see cref="Encode"/> of each text, unpadded. A null text is an <see cref="ArgumentException"/> naming its index in
    /// the caller's argument (<c>texts[3] is null</c>).
    /// </summary>
    /// <param name="texts">The sentences.</param>
    /// <param name="maxSeqLength">Longest sequence including [CLS] and [SEP], at least 2.</param>
    /// <param name="textsName">The caller's name for <paramref name="texts"/>, filled in by the compiler.</param>
    public int[][] EncodeAll(IReadOnlyList<string> texts, int maxSeqLength, [CallerArgumentExpression(nameof(texts))] string textsName = "texts")
    {
        ArgumentNullException.ThrowIfNull(texts, textsName);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSeqLength, 2);
        var encoded = new int[texts.Count][];
        for (int i = 0; i < texts.Count; i++)
        {
            encoded[i] = Encode(texts[i] ?? throw new ArgumentException($"{textsName}[{i}] is null; expected a string.", textsName), maxSeqLength);
        }
        return encoded;
    }

    /// <summary>The vocabulary entries of <paramref name="ids"/> (Hugging Face's <c>convert_ids_to_tokens</c>).</summary>
    public IReadOnlyList<string> ConvertIdsToTokens(IReadOnlyList<int> ids)
    {
        var tokens = new string[ids.Count];
        for (int i = 0; i < ids.Count; i++)
        {
            int id = ids[i];
            tokens[i] = (uint)id < (uint)_vocab.Tokens.Length
                ? _vocab.Tokens[id]
                : throw new ArgumentOutOfRangeException(nameof(ids), $"ids[{i}] = {id} is outside the vocabulary (0..{VocabSize - 1}).");
        }

        return tokens;
    }

    /// <summary>
    /// Writes <c>vocab.txt</c>, <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> into
    /// <paramref name="folder"/> (created if needed) in Hugging Face's format, so <c>AutoTokenizer.from_pretrained</c>
    /// and <see cref="FromFolder"/> load the same tokenizer.
    /// </summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, VocabFileName), string.Concat(_vocab.Tokens.Select(t => t + "\n")));
        var specialTokensById = new Dictionary<int, string>();
        foreach ((string token, int id) in _specialTokens)
        {
            specialTokensById.TryAdd(id, token);
        }

        Config.Save(folder, specialTokensById);
    }

    private List<int> TokenizeToIds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        int start = 0;
        while (start < text.Length)
        {
            (int at, int length, int id) = FindSpecialToken(text, start);
            int end = at < 0 ? text.Length : at;
            if (end > start)
            {
                AppendWordPieces(text[start..end], ids);
            }

            if (at < 0)
            {
                break;
            }

            ids.Add(id);
            start = at + length;
        }

        return ids;
    }

    /// <summary>Hugging Face keeps special tokens written in the text whole (case-sensitive, anywhere, leftmost first).</summary>
    private (int At, int Length, int Id) FindSpecialToken(string text, int start)
    {
        (int At, int Length, int Id) best = (-1, 0, 0);
        foreach ((string token, int id) in _specialTokens)
        {
            int at = text.IndexOf(token, start, StringComparison.Ordinal);
            if (at >= 0 && (best.At < 0 || at < best.At || (at == best.At && token.Length > best.Length)))
            {
                best = (at, token.Length, id);
            }
        }

        return best;
    }

    private void AppendWordPieces(string segment, List<int> ids)
    {
        foreach (string word in _basicTokenizer.Tokenize(segment))
        {
            if (!_wordCache.TryGetValue(word, out int[]? pieces))
            {
                pieces = word.EnumerateRunes().Count() > MaxInputCharsPerWord
                    ? [UnkTokenId]
                    : [.. _wordPiece.EncodeToIds(word, addSpecialTokens: false, considerPreTokenization: false, considerNormalization: false)];
                if (_wordCache.Count < WordCacheCapacity)
                {
                    _wordCache.TryAdd(word, pieces);
                }
            }

            ids.AddRange(pieces);
        }
    }
}
