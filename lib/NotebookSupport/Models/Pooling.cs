using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Models;

/// <summary>
/// Turns token embeddings <c>[B, L, D]</c> into one sentence embedding <c>[B, D]</c>, ignoring padding
/// (sentence-transformers' <c>models.Pooling</c>). Has no parameters.
/// </summary>
/// <remarks>
/// Modes (see <see cref="PoolingMode"/>): the <c>[CLS]</c> token; the maximum over real tokens (padding set to
/// -1e9 first); the mean over real tokens; the sum over real tokens divided by sqrt(token count).
/// <code>
/// var pooling = new Pooling(384, PoolingMode.Mean);
/// var sentence = pooling.Forward(tokenEmbeddings, attentionMask);   // [B, 384]
/// </code>
/// </remarks>
public sealed class Pooling : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Creates a pooling layer for token embeddings of width <paramref name="wordEmbeddingDimension"/>.</summary>
    public Pooling(int wordEmbeddingDimension, PoolingMode mode = PoolingMode.Mean) : base(nameof(Pooling))
    {
        if (wordEmbeddingDimension <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(wordEmbeddingDimension), wordEmbeddingDimension, "must be positive");
        }

        WordEmbeddingDimension = wordEmbeddingDimension;
        Mode = mode;
    }

    /// <summary>Creates the layer a <c>1_Pooling/config.json</c> describes.</summary>
    public static Pooling FromConfig(PoolingConfig config, string source = "pooling config") =>
        new(config.WordEmbeddingDimension, config.GetMode(source));

    /// <summary>Width of the token embeddings, equal to the width of the sentence embedding.</summary>
    public int WordEmbeddingDimension { get; }

    /// <summary>The pooling strategy.</summary>
    public PoolingMode Mode { get; }

    /// <summary>The sentence-transformers config of this layer.</summary>
    public PoolingConfig Config => PoolingConfig.From(WordEmbeddingDimension, Mode);

    /// <summary>Pools <paramref name="tokenEmbeddings"/> <c>[B, L, D]</c> using <paramref name="attentionMask"/> <c>[B, L]</c> (1 = real token).</summary>
    public Tensor Forward(Tensor tokenEmbeddings, Tensor attentionMask) => call(tokenEmbeddings, attentionMask);

    /// <inheritdoc cref="Forward"/>
    public override Tensor forward(Tensor tokenEmbeddings, Tensor attentionMask)
    {
        if (Mode == PoolingMode.Cls)
        {
            return tokenEmbeddings.select(1, 0);
        }

        using var scope = NewDisposeScope();
        var mask = attentionMask.unsqueeze(-1).to(tokenEmbeddings.dtype);  // [B, L, 1]
        if (Mode == PoolingMode.Max)
        {
            // -1e9 rather than -inf, as sentence-transformers does, so an all-padding row stays finite.
            using var padding = (-1e9).ToScalar();
            using var zero = 0.ToScalar();
            var masked = tokenEmbeddings.masked_fill(mask.eq(zero), padding);
            return masked.amax([1]).MoveToOuterDisposeScope();
        }
        var sum = (tokenEmbeddings * mask).sum(1);                          // [B, D]
        using var floor = 1e-9.ToScalar();
        var count = mask.sum(1).clamp_min(floor);                           // [B, 1]
        var pooled = Mode == PoolingMode.Mean ? sum / count : sum / count.sqrt();
        return pooled.MoveToOuterDisposeScope();
    }
}
