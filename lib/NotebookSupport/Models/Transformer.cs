using NotebookSupport.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Models;

/// <summary>
/// The first module of a sentence transformer (sentence-transformers' <c>models.Transformer</c>): a BERT
/// encoder with its WordPiece tokenizer. Texts are truncated to <see cref="MaxSeqLength"/> tokens.
/// </summary>
/// <remarks>
/// Registered as <c>auto_model</c>, so its parameters are named <c>auto_model.embeddings...</c> as in Python.
/// <code>
/// var transformer = new Transformer(new BertModel(config), BertWordPieceTokenizer.FromFolder(folder), maxSeqLength: 256);
/// var tokens = transformer.Forward(transformer.Tokenize(["A man is eating."]));   // [1, L, H]
/// </code>
/// </remarks>
public sealed class Transformer : nn.Module<TokenizedBatch, Tensor>
{
    private readonly BertModel auto_model;
    private int _maxSeqLength;

    /// <summary>Wraps <paramref name="autoModel"/> and <paramref name="tokenizer"/>.</summary>
    /// <param name="autoModel">The encoder.</param>
    /// <param name="tokenizer">The tokenizer whose vocabulary the encoder was trained with.</param>
    /// <param name="maxSeqLength">Longest input in tokens, [CLS] and [SEP] included; at most max_position_embeddings.</param>
    public Transformer(BertModel autoModel, BertWordPieceTokenizer tokenizer, int maxSeqLength = 512) : base(nameof(Transformer))
    {
        if (tokenizer.VocabSize > autoModel.Config.VocabSize)
        {
            throw new ArgumentException(
                $"The tokenizer has {tokenizer.VocabSize} tokens but the model's vocab_size is {autoModel.Config.VocabSize}.",
                nameof(tokenizer));
        }

        auto_model = autoModel;
        Tokenizer = tokenizer;
        MaxSeqLength = maxSeqLength;
        RegisterComponents();
    }

    /// <summary>The BERT encoder.</summary>
    public BertModel AutoModel => auto_model;

    /// <summary>The WordPiece tokenizer.</summary>
    public BertWordPieceTokenizer Tokenizer { get; }

    /// <summary>The encoder's configuration.</summary>
    public BertConfig Config => auto_model.Config;

    /// <summary>Longest input in tokens; longer texts are truncated.</summary>
    public int MaxSeqLength
    {
        get => _maxSeqLength;
        set
        {
            if (value < 2 || value > Config.MaxPositionEmbeddings)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxSeqLength), value,
                    $"must be between 2 and max_position_embeddings ({Config.MaxPositionEmbeddings})");
            }

            _maxSeqLength = value;
        }
    }

    /// <summary>Tokenizes <paramref name="texts"/>, padded to the longest one.</summary>
    public TokenizedBatch Tokenize(IReadOnlyList<string> texts) => Tokenizer.EncodeBatch(texts, MaxSeqLength);

    /// <summary>Token embeddings <c>[B, L, H]</c> of a tokenized batch.</summary>
    public Tensor Forward(TokenizedBatch batch) => call(batch);

    /// <inheritdoc cref="Forward"/>
    public override Tensor forward(TokenizedBatch batch)
    {
        var (inputIds, attentionMask, tokenTypeIds) = batch.ToTensors(auto_model.Device);
        using (inputIds)
        using (attentionMask)
        using (tokenTypeIds)
        {
            return auto_model.call(inputIds, attentionMask, tokenTypeIds);
        }
    }
}
