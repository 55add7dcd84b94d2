using NotebookSupport.Losses;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// Similarity matrices between two sets of sentence embeddings, as in sentence-transformers' <c>util.cos_sim</c> and
/// <c>util.dot_score</c>: entry (i, j) compares row i of <c>a</c> with row j of <c>b</c>.
/// </summary>
/// <example>
/// <code>
/// var scores = Similarity.CosSim(anchorEmbeddings, positiveEmbeddings) * 20;   // [B, B]
/// var loss = InBatchCrossEntropy.Compute(scores);                             // labels 0, 1, ..., B - 1
/// </code>
/// </example>
public static class Similarity
{
    /// <summary>Cosine similarity matrix <c>[a.rows, b.rows]</c>; zero vectors score 0 instead of NaN.</summary>
    public static Tensor CosSim(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var aNorm = nn.functional.normalize(AsMatrix(a, nameof(a)), p: 2, dim: 1);
        var bNorm = nn.functional.normalize(AsMatrix(b, nameof(b)), p: 2, dim: 1);
        return aNorm.matmul(bNorm.transpose(0, 1)).MoveToOuterDisposeScope();
    }

    /// <summary>Dot-product matrix <c>[a.rows, b.rows]</c>.</summary>
    public static Tensor DotScore(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        return AsMatrix(a, nameof(a)).matmul(AsMatrix(b, nameof(b)).transpose(0, 1)).MoveToOuterDisposeScope();
    }

    /// <summary>The similarity matrix for <paramref name="function"/>.</summary>
    public static Tensor Compute(SimilarityFunction function, Tensor a, Tensor b) => function switch
    {
        SimilarityFunction.Cosine => CosSim(a, b),
        SimilarityFunction.DotProduct => DotScore(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(function), function, "Expected Cosine or DotProduct."),
    };

    private static Tensor AsMatrix(Tensor t, string name)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        return t.dim() switch
        {
            1 => t.unsqueeze(0),
            2 => t,
            _ => throw new ArgumentException($"Expected embeddings of shape [N, D] (or [D]); got [{string.Join(", ", t.shape)}].", name),
        };
    }
}
