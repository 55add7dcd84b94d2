using NotebookSupport.Hub;
using NotebookSupport.Tokenization;
using TorchSharp;

namespace NotebookSupport.Models;

/// <summary>
/// BERT sentence transformers with randomly initialised transformer layers, for training from scratch: three in the
/// sizes of Google's BERT miniatures (Turc et al., 2019, "Well-Read Students Learn Better", arXiv:1908.08962), with
/// the bundled uncased WordPiece vocabulary (the <c>bert-base-uncased</c> vocabulary shipped with all-MiniLM-L6-v2),
/// and <c>minilm-2l</c>, two new layers on all-MiniLM-L6-v2's pretrained embedding layer.
/// </summary>
/// <remarks>
/// | name | layers | hidden | heads | intermediate |
/// |---|---|---|---|---|
/// | bert-tiny | 2 | 128 | 2 | 512 |
/// | bert-mini | 4 | 256 | 4 | 1024 |
/// | bert-small | 4 | 512 | 8 | 2048 |
/// | minilm-2l | 2 | 384 | 12 | 1536 |
///
/// The BERT miniatures are random throughout: they know no words, so they can only learn the words of their training
/// data. <c>minilm-2l</c> keeps the embedding layer (word, position and token-type vectors, LayerNorm) of the bundled
/// all-MiniLM-L6-v2 and puts two randomly initialised transformer layers of its shape on top: an encoder that knows
/// words but was never trained to make sentence embeddings, as <c>bert-base-uncased</c> is in the video, small enough
/// to train in minutes on a CPU.
/// <code>
/// var model = BertMiniatures.CreateRandom("bert-tiny", maxSeqLength: 64);   // the CLI's --model random:bert-tiny
/// </code>
/// </remarks>
public static class BertMiniatures
{
    /// <summary>The sizes this class knows.</summary>
    public static IReadOnlyList<string> Names { get; } = ["bert-tiny", "bert-mini", "bert-small", OnBundledEmbeddings];

    /// <summary>The miniature whose embedding layer comes from the bundled all-MiniLM-L6-v2.</summary>
    public const string OnBundledEmbeddings = "minilm-2l";

    /// <summary>The Hugging Face configuration of a miniature (vocabulary size of the bundled vocabulary).</summary>
    public static BertConfig Config(string name) => name switch
    {
        "bert-tiny" => Miniature(layers: 2, hidden: 128, heads: 2),
        "bert-mini" => Miniature(layers: 4, hidden: 256, heads: 4),
        "bert-small" => Miniature(layers: 4, hidden: 512, heads: 8),
        OnBundledEmbeddings => BundledMiniLm.Config with { NumHiddenLayers = 2 },
        _ => throw new ArgumentException($"Unknown BERT miniature '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>
    /// A miniature with randomly initialised transformer layers (drawn from torch's global generator, so
    /// <c>torch.manual_seed</c> fixes them), the bundled tokenizer and the given pooling; <c>minilm-2l</c> with the
    /// bundled model's pretrained embedding layer.
    /// </summary>
    public static SentenceTransformer CreateRandom(string name, PoolingMode pooling = PoolingMode.Mean, int maxSeqLength = 128)
    {
        var model = CreateRandom(Config(name), pooling, maxSeqLength);
        if (name == OnBundledEmbeddings)
        {
            CopyBundledEmbeddings(model.Transformer.AutoModel);
        }
        return model;
    }

    /// <summary>A randomly initialised sentence transformer of any BERT shape with the bundled tokenizer.</summary>
    public static SentenceTransformer CreateRandom(BertConfig config, PoolingMode pooling = PoolingMode.Mean, int maxSeqLength = 128)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var vocab = BundledMiniLm.OpenVocab();
        var tokenizer = BertWordPieceTokenizer.FromVocabStream(vocab, "bundled vocab.txt", doLowerCase: true);
        var transformer = new Transformer(new BertModel(config), tokenizer, maxSeqLength);
        return new SentenceTransformer(transformer, new Pooling(config.HiddenSize, pooling));
    }

    private static void CopyBundledEmbeddings(BertModel bert)
    {
        var pretrained = BundledMiniLm.ReadStateDict();
        try
        {
            var own = bert.state_dict();
            using var noGrad = torch.no_grad();
            foreach (var (name, value) in pretrained.Where(p => p.Key.StartsWith("embeddings.", StringComparison.Ordinal)))
            {
                own[name].copy_(value);
            }
        }
        finally
        {
            foreach (var tensor in pretrained.Values)
            {
                tensor.Dispose();
            }
        }
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
