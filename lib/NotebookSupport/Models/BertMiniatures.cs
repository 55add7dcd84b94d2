using NotebookSupport.Hub;
using NotebookSupport.Tokenization;

namespace NotebookSupport.Models;

/// <summary>
/// Randomly initialised BERT sentence transformers for training from scratch, in the sizes of Google's BERT
/// miniatures (Turc et al., 2019, "Well-Read Students Learn Better", arXiv:1908.08962), with the bundled uncased
/// WordPiece vocabulary (the <c>bert-base-uncased</c> vocabulary shipped with all-MiniLM-L6-v2).
/// </summary>
/// <remarks>
/// | name | layers | hidden | heads | intermediate |
/// |---|---|---|---|---|
/// | bert-tiny | 2 | 128 | 2 | 512 |
/// | bert-mini | 4 | 256 | 4 | 1024 |
/// | bert-small | 4 | 512 | 8 | 2048 |
/// <code>
/// var model = BertMiniatures.CreateRandom("bert-tiny", maxSeqLength: 64);   // the CLI's --model random:bert-tiny
/// </code>
/// </remarks>
public static class BertMiniatures
{
    /// <summary>The sizes this class knows.</summary>
    public static IReadOnlyList<string> Names { get; } = ["bert-tiny", "bert-mini", "bert-small"];

    /// <summary>The Hugging Face configuration of a miniature (vocabulary size of the bundled vocabulary).</summary>
    public static BertConfig Config(string name) => name switch
    {
        "bert-tiny" => Miniature(layers: 2, hidden: 128, heads: 2),
        "bert-mini" => Miniature(layers: 4, hidden: 256, heads: 4),
        "bert-small" => Miniature(layers: 4, hidden: 512, heads: 8),
        _ => throw new ArgumentException($"Unknown BERT miniature '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>A randomly initialised miniature with the bundled tokenizer, pooling and optional normalisation.</summary>
    public static SentenceTransformer CreateRandom(string name, PoolingMode pooling = PoolingMode.Mean, int maxSeqLength = 128) =>
        CreateRandom(Config(name), pooling, maxSeqLength);

    /// <summary>A randomly initialised sentence transformer of any BERT shape with the bundled tokenizer.</summary>
    public static SentenceTransformer CreateRandom(BertConfig config, PoolingMode pooling = PoolingMode.Mean, int maxSeqLength = 128)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var vocab = BundledMiniLm.OpenVocab();
        var tokenizer = BertWordPieceTokenizer.FromVocabStream(vocab, "bundled vocab.txt", doLowerCase: true);
        var transformer = new Transformer(new BertModel(config), tokenizer, maxSeqLength);
        return new SentenceTransformer(transformer, new Pooling(config.HiddenSize, pooling));
    }

    private static BertConfig Miniature(int layers, int hidden, int heads) => new()
    {
        VocabSize = BundledMiniLm.Config.VocabSize,
        HiddenSize = hidden,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        IntermediateSize = 4 * hidden,
    };
}
