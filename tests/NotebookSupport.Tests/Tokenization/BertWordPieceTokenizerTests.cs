using System.Text;
using System.Text.Json;
using NotebookSupport.Tokenization;

namespace NotebookSupport.Tests.Tokenization;

/// <summary>
/// Behaviour of <see cref="BertWordPieceTokenizer"/> against token strings written by hand from Hugging Face's
/// rules, plus batching, save/load and the errors for bad vocabularies and configs.
/// </summary>
public sealed class BertWordPieceTokenizerTests : IDisposable
{
    private static readonly Lazy<BertWordPieceTokenizer> _miniLm =
        new(() => BertWordPieceTokenizer.FromVocabStream(MiniLmVocab.Open(), MiniLmVocab.ResourceName));

    private static readonly Lazy<Dictionary<string, int>> _miniLmIds =
        new(() => MiniLmVocab.Lines().Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i));

    private readonly string _dir = Directory.CreateTempSubdirectory("tok-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteVocab(params string[] tokens) => WriteVocabText(string.Concat(tokens.Select(t => t + "\n")));

    private string WriteVocabText(string text, string name = "vocab.txt")
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static int[] Ids(params string[] tokens) => tokens.Select(t => _miniLmIds.Value[t]).ToArray();

    [Fact]
    public void Wordpiece_docstring_example_unaffable()
    {
        // transformers' WordpieceTokenizer docstring: input "unaffable" -> ["un", "##aff", "##able"].
        var tokenizer = BertWordPieceTokenizer.FromVocabFile(WriteVocab("[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "##a"));

        Assert.Equal(["un", "##aff", "##able"], tokenizer.Tokenize("unaffable"));
        Assert.Equal([2, 4, 5, 6, 3], tokenizer.Encode("UnAffable", 16));
        Assert.Equal(["[UNK]"], tokenizer.Tokenize("unaffablex"));
    }

    [Theory]
    [InlineData("The café in Zürich", new[] { "the", "cafe", "in", "zurich" })]
    [InlineData("Hello, world!!!", new[] { "hello", ",", "world", "!", "!", "!" })]
    [InlineData("tab\tand\nnewline", new[] { "tab", "and", "new", "##line" })]
    [InlineData("zero\u200bwidth", new[] { "zero", "##wi", "##dt", "##h" })]
    [InlineData("it's $5+3", new[] { "it", "'", "s", "$", "5", "+", "3" })]
    [InlineData("北京 is", new[] { "北", "京", "is" })]
    [InlineData("Is [SEP] kept? [sep]", new[] { "is", "[SEP]", "kept", "?", "[", "sep", "]" })]
    [InlineData("ΟΔΟΣ", new[] { "ο", "##δ", "##ο", "##σ" })]
    [InlineData("", new string[0])]
    [InlineData(" \t\u00a0\u200b ", new string[0])]
    public void Tokenize_gives_the_hand_written_tokens(string text, string[] expected)
    {
        Assert.Equal(expected, _miniLm.Value.Tokenize(text));
        Assert.Equal([_miniLm.Value.ClsTokenId, .. Ids(expected), _miniLm.Value.SepTokenId], _miniLm.Value.Encode(text, 512));
    }

    [Fact]
    public void A_special_token_that_appears_after_cleaning_is_kept_whole_only_in_cased_mode()
    {
        var cased = BertWordPieceTokenizer.FromVocabStream(MiniLmVocab.Open(), MiniLmVocab.ResourceName, doLowerCase: false);

        // Hugging Face: the lower-casing pass runs before cleaning, so the uncased model never sees "[SEP]" here.
        Assert.Equal(["[", "sep", "]"], _miniLm.Value.Tokenize("[SE\u200bP]"));
        Assert.Equal(["[SEP]"], cased.Tokenize("[SE\u200bP]"));
    }

    [Fact]
    public void Special_token_ids_are_those_of_bert_base_uncased()
    {
        BertWordPieceTokenizer t = _miniLm.Value;
        Assert.Equal((0, 100, 101, 102, 30522), (t.PadTokenId, t.UnkTokenId, t.ClsTokenId, t.SepTokenId, t.VocabSize));
        Assert.True(t.DoLowerCase);
        Assert.True(t.StripAccents);
    }

    [Fact]
    public void Word_length_limit_counts_code_points_not_utf16_units()
    {
        var tokenizer = BertWordPieceTokenizer.FromVocabFile(WriteVocab("[PAD]", "[UNK]", "[CLS]", "[SEP]", "🍕", "##🍕"));

        // 60 code points = 120 UTF-16 units: under Hugging Face's 100-character limit.
        Assert.Equal(["🍕", .. Enumerable.Repeat("##🍕", 59)], tokenizer.Tokenize(string.Concat(Enumerable.Repeat("🍕", 60))));
        Assert.Equal(["[UNK]"], tokenizer.Tokenize(string.Concat(Enumerable.Repeat("🍕", 101))));
    }

    [Fact]
    public void Truncation_keeps_cls_and_sep_within_max_seq_length()
    {
        string text = string.Join(' ', Enumerable.Repeat("guitar", 600));

        int[] ids = _miniLm.Value.Encode(text, 256);

        Assert.Equal(256, ids.Length);
        Assert.Equal(Ids("[CLS]"), ids[..1]);
        Assert.Equal(Ids("[SEP]"), ids[^1..]);
        Assert.All(ids[1..^1], id => Assert.Equal(_miniLmIds.Value["guitar"], id));
        Assert.Equal(Ids("[CLS]", "[SEP]"), _miniLm.Value.Encode(text, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => _miniLm.Value.Encode(text, 1));
    }

    [Fact]
    public void EncodeBatch_pads_to_the_longest_with_mask_and_zero_token_types()
    {
        TokenizedBatch batch = _miniLm.Value.EncodeBatch(["A man.", "", "A man is playing guitar."], maxSeqLength: 6);

        Assert.Equal((3, 6), (batch.BatchSize, batch.SequenceLength));
        long[] expected =
        [
            .. Ids("[CLS]", "a", "man", ".", "[SEP]", "[PAD]"),
            .. Ids("[CLS]", "[SEP]", "[PAD]", "[PAD]", "[PAD]", "[PAD]"),
            .. Ids("[CLS]", "a", "man", "is", "playing", "[SEP]"),
        ];
        Assert.Equal(expected, batch.InputIds);
        Assert.Equal([1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], batch.AttentionMask);
        Assert.Equal(new long[18], batch.TokenTypeIds);
    }

    [Fact]
    public void EncodeBatch_of_short_texts_is_only_as_long_as_the_longest()
    {
        TokenizedBatch batch = _miniLm.Value.EncodeBatch(["hi", "hi there"], maxSeqLength: 256);

        Assert.Equal(4, batch.SequenceLength);
        Assert.Throws<ArgumentException>(() => _miniLm.Value.EncodeBatch(["ok", null!], 16));
    }

    [Fact]
    public void Save_then_FromFolder_gives_the_same_ids_and_hugging_face_files()
    {
        string folder = Path.Combine(_dir, "saved");
        _miniLm.Value.Save(folder);
        var loaded = BertWordPieceTokenizer.FromFolder(folder);

        foreach (HfExpectedCase c in HfExpectedIds.Cases)
        {
            Assert.Equal(c.Ids, loaded.Encode(c.Text, c.MaxSeqLength));
        }

        Assert.Equal(MiniLmVocab.Lines(), File.ReadAllText(Path.Combine(folder, "vocab.txt")).TrimEnd('\n').Split('\n'));
        using JsonDocument config = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "tokenizer_config.json")));
        JsonElement root = config.RootElement;
        Assert.Equal("BertTokenizer", root.GetProperty("tokenizer_class").GetString());
        Assert.True(root.GetProperty("do_lower_case").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("strip_accents").ValueKind);
        Assert.True(root.GetProperty("tokenize_chinese_chars").GetBoolean());
        Assert.True(root.GetProperty("clean_up_tokenization_spaces").GetBoolean());
        Assert.Equal(512, root.GetProperty("model_max_length").GetInt32());
        Assert.Equal("[CLS]", root.GetProperty("cls_token").GetString());
        Assert.Equal("[MASK]", root.GetProperty("added_tokens_decoder").GetProperty("103").GetProperty("content").GetString());
        Assert.True(root.GetProperty("added_tokens_decoder").GetProperty("0").GetProperty("special").GetBoolean());
        using JsonDocument map = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "special_tokens_map.json")));
        Assert.Equal(
            ["cls_token=[CLS]", "mask_token=[MASK]", "pad_token=[PAD]", "sep_token=[SEP]", "unk_token=[UNK]"],
            map.RootElement.EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"));
    }

    [Fact]
    public void Cased_settings_survive_the_round_trip()
    {
        string vocab = WriteVocab("[PAD]", "[UNK]", "[CLS]", "[SEP]", "Café", "café", "cafe");
        var cased = BertWordPieceTokenizer.FromVocabFile(vocab, doLowerCase: false);
        string folder = Path.Combine(_dir, "cased");
        cased.Save(folder);
        var loaded = BertWordPieceTokenizer.FromFolder(folder);

        Assert.False(loaded.DoLowerCase);
        Assert.False(loaded.StripAccents);
        Assert.Equal(["Café", "[UNK]"], loaded.Tokenize("Café CAFÉ"));
        Assert.Equal(["cafe", "cafe"], BertWordPieceTokenizer.FromVocabFile(vocab, doLowerCase: true).Tokenize("Café CAFÉ"));
        Assert.Equal(["café"], BertWordPieceTokenizer.FromVocabFile(vocab, doLowerCase: true, stripAccents: false).Tokenize("CAFÉ"));
    }

    [Fact]
    public void FromFolder_reads_hugging_face_configs_with_added_token_objects()
    {
        string folder = Path.Combine(_dir, "hf");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), "<pad>\n<unk>\n<s>\n</s>\nHello\n[SEP]\n");
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """
            { "do_lower_case": false, "model_max_length": 1000000000000000019884624838656,
              "cls_token": {"content": "<s>", "lstrip": false}, "unk_token": "<unk>" }
            """);
        File.WriteAllText(Path.Combine(folder, "special_tokens_map.json"), """{ "pad_token": "<pad>", "sep_token": {"content": "</s>"} }""");

        var tokenizer = BertWordPieceTokenizer.FromFolder(folder);

        Assert.Equal((0, 1, 2, 3), (tokenizer.PadTokenId, tokenizer.UnkTokenId, tokenizer.ClsTokenId, tokenizer.SepTokenId));
        Assert.Null(tokenizer.Config.ModelMaxLength);
        Assert.Equal([2, 4, 1, 3], tokenizer.Encode("Hello hello", 8));
    }

    [Fact]
    public void Duplicate_vocab_lines_keep_the_last_id_as_hugging_face_does()
    {
        var tokenizer = BertWordPieceTokenizer.FromVocabFile(WriteVocab("[PAD]", "[UNK]", "[CLS]", "[SEP]", "dup", "x", "dup"));

        Assert.Equal([2, 6, 3], tokenizer.Encode("dup", 8));
        Assert.Equal(7, tokenizer.VocabSize);
    }

    [Fact]
    public void Crlf_vocab_reads_like_lf()
    {
        var tokenizer = BertWordPieceTokenizer.FromVocabFile(WriteVocabText("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\nhi\r\n"));

        Assert.Equal([2, 4, 3], tokenizer.Encode("hi", 8));
    }

    [Fact]
    public void Missing_vocab_file_is_named()
    {
        string path = Path.Combine(_dir, "nope", "vocab.txt");
        var e = Assert.Throws<FileNotFoundException>(() => BertWordPieceTokenizer.FromVocabFile(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Missing_folder_or_vocab_in_folder_is_named()
    {
        string missing = Path.Combine(_dir, "missing");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => BertWordPieceTokenizer.FromFolder(missing)).Message);
        Assert.Contains("vocab.txt", Assert.Throws<FileNotFoundException>(() => BertWordPieceTokenizer.FromFolder(_dir)).Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \n")]
    public void Empty_vocab_is_named(string content)
    {
        string path = WriteVocabText(content);
        var e = Assert.Throws<InvalidDataException>(() => BertWordPieceTokenizer.FromVocabFile(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Non_utf8_vocab_names_file_and_line()
    {
        string path = Path.Combine(_dir, "vocab.txt");
        File.WriteAllBytes(path, [.. "[PAD]\n[UNK]\n"u8, 0xFF, 0xFE, .. "\n[CLS]\n"u8]);
        var e = Assert.Throws<InvalidDataException>(() => BertWordPieceTokenizer.FromVocabFile(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void Unreadable_vocab_stream_is_named()
    {
        var e = Assert.Throws<InvalidDataException>(() => BertWordPieceTokenizer.FromVocabStream(new FailingStream(), "resource:vocab.txt"));
        Assert.Contains("resource:vocab.txt", e.Message);
        Assert.Contains("disk on fire", e.Message);
    }

    [Theory]
    [InlineData("[CLS]")]
    [InlineData("[SEP]")]
    [InlineData("[PAD]")]
    [InlineData("[UNK]")]
    public void Vocab_without_a_required_special_token_names_file_and_token(string missing)
    {
        string path = WriteVocab(new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "word" }.Where(t => t != missing).ToArray());
        var e = Assert.Throws<InvalidDataException>(() => BertWordPieceTokenizer.FromVocabFile(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void Malformed_tokenizer_config_names_file_and_line()
    {
        string folder = Path.Combine(_dir, "bad");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
        string config = Path.Combine(folder, "tokenizer_config.json");
        File.WriteAllText(config, "{\n  \"do_lower_case\": true,\n  \"strip_accents\": nul\n}");

        var e = Assert.Throws<InvalidDataException>(() => BertWordPieceTokenizer.FromFolder(folder));
        Assert.Contains(config, e.Message);
        Assert.Contains("line 3", e.Message);

        File.WriteAllText(config, "{ \"do_lower_case\": \"yes\" }");
        e = Assert.Throws<InvalidDataException>(() => BertWordPieceTokenizer.FromFolder(folder));
        Assert.Contains(config, e.Message);
        Assert.Contains("do_lower_case", e.Message);
    }

    [Fact]
    public void Microsoft_ml_default_bert_tokenizer_alone_differs_from_hugging_face()
    {
        // Why the library normalises around Microsoft.ML.Tokenizers instead of using its basic tokenization.
        var plain = Microsoft.ML.Tokenizers.BertTokenizer.Create(MiniLmVocab.Open(), new Microsoft.ML.Tokenizers.BertOptions());
        const string text = "tab\tseparated, $5 + zero\u200bwidth";

        Assert.NotEqual(plain.EncodeToIds(text), _miniLm.Value.Encode(text, 512));
        Assert.Equal(
            Ids("[CLS]", "tab", "separated", ",", "$", "5", "+", "zero", "##wi", "##dt", "##h", "[SEP]"),
            _miniLm.Value.Encode(text, 512));
    }

    private sealed class FailingStream : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => 0; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("disk on fire");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
