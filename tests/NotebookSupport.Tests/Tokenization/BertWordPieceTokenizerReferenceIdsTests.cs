using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NotebookSupport.Tokenization;

namespace NotebookSupport.Tests.Tokenization;

/// <summary>
/// Token ids of <see cref="BertWordPieceTokenizer"/> equal Hugging Face's on the all-MiniLM-L6-v2 vocab; the
/// expected ids come from a Python transcription of Hugging Face's rules and from a separate C# one (README.md).
/// </summary>
public sealed class BertWordPieceTokenizerReferenceIdsTests
{
    private static readonly Lazy<BertWordPieceTokenizer> _tokenizer =
        new(() => BertWordPieceTokenizer.FromVocabStream(MiniLmVocab.Open(), MiniLmVocab.ResourceName));

    private static readonly Lazy<HfBertTokenizerReference> _reference = new(() => new HfBertTokenizerReference(MiniLmVocab.Lines()));

    public static TheoryData<HfExpectedCase> Cases() => HfExpectedIds.TheoryCases();

    [Fact]
    public void Fixture_was_made_from_this_vocab_and_covers_at_least_30_sentences()
    {
        Assert.Equal(HfExpectedIds.VocabSha256, MiniLmVocab.Sha256());
        Assert.True(HfExpectedIds.Cases.Count >= 30, $"only {HfExpectedIds.Cases.Count} sentences");
        Assert.Contains(HfExpectedIds.Cases, c => c.Text.Length == 0);
        Assert.Contains(HfExpectedIds.Cases, c => c.Ids.Length == c.MaxSeqLength && c.MaxSeqLength >= 128);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_gives_the_ids_of_the_python_reference(HfExpectedCase c)
    {
        int[] ids = _tokenizer.Value.Encode(c.Text, c.MaxSeqLength);

        Assert.Equal(c.Ids, ids);
        Assert.Equal(c.Tokens, _tokenizer.Value.ConvertIdsToTokens(ids));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_csharp_reference_agrees_with_the_python_reference(HfExpectedCase c)
    {
        Assert.Equal(c.Ids, _reference.Value.Encode(c.Text, c.MaxSeqLength));
    }

    [Theory]
    [InlineData("Is [SEP] kept whole? [CLS]x[MASK]y [sep] [ SEP ] [SEP][SEP]")]
    [InlineData("ΣΟΦΟΣ λόγος ΚΌΣΜΟΣ Σ")]
    [InlineData("lone \uD800 high and \uDC00 low surrogates \uD83D")]
    [InlineData("İİ İstanbul DİYARBAKIR")]
    [InlineData("tab\t\t\tand\u000b\u000c\u001c\u001dseparators\u0085\u2028\u2029end")]
    [InlineData("Ǆemal ǅ ǆ Ⅻ Ⓐ ﬃ ß ẞ")]
    [InlineData("a\u0301\u0302\u0303 \u0301\u0301 lonely marks")]
    [InlineData("हिन्दी ক্ষ ಕನ್ನಡ")]
    public void Encode_agrees_with_the_csharp_reference_on_harder_cases(string text)
    {
        Assert.Equal(_reference.Value.Encode(text, 512), _tokenizer.Value.Encode(text, 512));
    }

    [Theory]
    [InlineData("The Café in ZÜRICH, naïve Ångström!")]
    [InlineData("İstanbul ΣΟΦΟΣ e\u0301cole")]
    [InlineData("tab\there\u00a0nbsp \u200bzw [SEP] end")]
    [InlineData("[SE\u200bP] and [MA\u0000SK] appear once control characters go; [se\u200bp] does not")]
    public void Cased_mode_agrees_with_the_csharp_reference(string text)
    {
        var cased = BertWordPieceTokenizer.FromVocabStream(MiniLmVocab.Open(), MiniLmVocab.ResourceName, doLowerCase: false);
        var reference = new HfBertTokenizerReference(MiniLmVocab.Lines(), lower: false);
        var casedStripped = BertWordPieceTokenizer.FromVocabStream(MiniLmVocab.Open(), MiniLmVocab.ResourceName, doLowerCase: false, stripAccents: true);
        var referenceStripped = new HfBertTokenizerReference(MiniLmVocab.Lines(), lower: false, stripAccents: true);

        Assert.Equal(reference.Encode(text, 512), cased.Encode(text, 512));
        Assert.Equal(referenceStripped.Encode(text, 512), casedStripped.Encode(text, 512));
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(TrickyTextArbitrary)])]
    public bool Random_tricky_text_gets_the_reference_ids(TrickyText text) =>
        _reference.Value.Encode(text.Value, 64).SequenceEqual(_tokenizer.Value.Encode(text.Value, 64));

    public sealed record TrickyText(string Value)
    {
        public override string ToString() => string.Join(" ", Value.Select(ch => ((int)ch).ToString("X4")));
    }

    public static class TrickyTextArbitrary
    {
        private static readonly string[] _pieces =
        [
            "a", "B", "z", "É", "é", "e\u0301", "ß", "İ", "Σ", "ς", "ж", "Ж", "7", "0", " ", "  ", "\t", "\n", "\r\n",
            "\u00a0", "\u2003", "\u3000", "\u200b", "\u200d", "\ufeff", "\u00ad", "\0", "\u0007", "\ufffd", "\u2028",
            ".", ",", "'", "-", "—", "…", "$", "+", "^", "`", "|", "~", "“", "”", "«", "#", "@", "/", "\\", "_",
            "北", "京", "の", "テ", "한", "🍕", "😀", "👍🏽", "𠀀", "\uD800", "\uDC00", "[SEP]", "[CLS]", "[PAD]", "[MASK]",
            "[UNK]", "[", "]", "un", "aff", "able", "play", "ing", "##", "ﬁ", "²", "½", "ह", "ि", "\u0301", "\u0308",
        ];

        public static Arbitrary<TrickyText> Text() =>
            Gen.ArrayOf(Gen.Elements(_pieces)).Select(parts => new TrickyText(string.Concat(parts))).ToArbitrary();
    }
}
