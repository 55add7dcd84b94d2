using System.Text;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;

namespace NotebookSupport.Tests.Hub;

/// <summary>A randomly initialised 2-layer, 32-wide BERT with a 40-token vocabulary: fast to build, save and load.</summary>
internal static class TinyBert
{
    public static readonly string[] Vocab =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "man", "woman", "is", "eating", "playing", "guitar", "food",
        "the", "dog", "cat", "runs", "sits", "on", "mat", ".", ",", "!", "?", "play", "##ing", "##s", "eat", "run",
        "sit", "big", "small", "red", "blue", "car", "house", "in", "park", "music", "loud",
    ];

    public static readonly string[] Sentences =
    [
        "A man is eating food.", "The dog runs in the park!", "A woman is playing guitar", "cats sit on the mat",
        "", "loud music in a big red house , the blue car ?",
    ];

    public static string VocabText => string.Concat(Vocab.Select(t => t + "\n"));

    public static BertConfig Config => new()
    {
        VocabSize = Vocab.Length,
        HiddenSize = 32,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        IntermediateSize = 64,
        MaxPositionEmbeddings = 64,
    };

    public static BertWordPieceTokenizer Tokenizer() =>
        BertWordPieceTokenizer.FromVocabStream(new MemoryStream(Encoding.UTF8.GetBytes(VocabText)), "tiny vocab", doLowerCase: true);

    public static SentenceTransformer Create(PoolingMode mode = PoolingMode.Mean, bool normalize = true, int maxSeqLength = 48)
    {
        var bert = new BertModel(Config);
        var transformer = new Transformer(bert, Tokenizer(), maxSeqLength);
        return new SentenceTransformer(transformer, new Pooling(Config.HiddenSize, mode), normalize ? new Normalize() : null);
    }
}
