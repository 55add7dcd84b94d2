using static TorchSharp.torch;

namespace NotebookSupport.Util;

/// <summary>
/// The similarity functions between sentence embeddings, as in sentence-transformers' <c>util</c> module
/// (<c>cos_sim</c>, <c>dot_score</c>, <c>pairwise_cos_sim</c>, <c>pairwise_dot_score</c>): the losses, the evaluator
/// and the heatmap all compare embeddings through these.
/// </summary>
/// <remarks>
/// The matrix functions compare every row of <c>a</c> with every row of <c>b</c>: entry (i, j) scores <c>a[i]</c>
/// against <c>b[j]</c>. The pairwise ones compare <c>a[i]</c> with <c>b[i]</c> only. A zero vector has cosine
/// similarity 0 with everything, not NaN.
/// </remarks>
/// <example>
/// <code>
/// var scores = Similarity.CosSim(anchorEmbeddings, positiveEmbeddings) * 20;   // [B, B] tensor, as MNR loss
///
/// var embeddings = model.Encode(sentences);
/// var heatmap = Heatmap.Create(Similarity.CosSim(embeddings, embeddings), sentences);
/// </code>
/// </example>
public static class Similarity
{
    /// <summary>Cosine similarity matrix <c>[a.rows, b.rows]</c> of embeddings <c>[N, D]</c> (or a single <c>[D]</c>).</summary>
    public static Tensor CosSim(Tensor a, Tensor b) => Scores(a, b, cosine: true, pairwise: false);

    /// <summary>Dot-product matrix <c>[a.rows, b.rows]</c> of embeddings <c>[N, D]</c> (or a single <c>[D]</c>).</summary>
    public static Tensor DotScore(Tensor a, Tensor b) => Scores(a, b, cosine: false, pairwise: false);

    /// <summary>Cosine similarity of each pair <c>(a[i], b[i])</c>: <c>[N]</c> for embeddings <c>[N, D]</c>.</summary>
    public static Tensor PairwiseCosSim(Tensor a, Tensor b) => Scores(a, b, cosine: true, pairwise: true);

    /// <summary>Dot product of each pair <c>(a[i], b[i])</c>: <c>[N]</c> for embeddings <c>[N, D]</c>.</summary>
    public static Tensor PairwiseDotScore(Tensor a, Tensor b) => Scores(a, b, cosine: false, pairwise: true);

    /// <summary>
    /// The angle similarity of each pair <c>(a[i], b[i])</c> (sentence-transformers' <c>pairwise_angle_sim</c>, used
    /// by <c>AnglELoss</c>): each embedding <c>[D]</c> (D even) is read as D/2 complex numbers z, its first half the
    /// real parts and its second half the imaginary ones. AnglE divides z_a by z_b, with the whole vector's norm
    /// <c>|b|^2</c> as the denominator, and scales by <c>|b| / |a|</c> so that only the angles count: the result is
    /// <c>|sum_k Re(w_k) + Im(w_k)|</c> with <c>w_k = z_a,k conj(z_b,k) / (|a| |b|)</c>. <c>[N]</c> for embeddings <c>[N, D]</c>.
    /// </summary>
    /// <remarks>Reference: Li and Li, 2024, "AoE: Angle-optimized Embeddings for Semantic Textual Similarity" (arXiv:2309.12871).</remarks>
    public static Tensor PairwiseAngleSim(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var (left, right) = (AsMatrix(a, nameof(a)), AsMatrix(b, nameof(b)));
        if (!right.shape.SequenceEqual(left.shape) || left.shape[1] % 2 != 0)
        {
            throw new ArgumentException($"Expected a and b of the same shape [N, D] with D even (real and imaginary halves); got [{string.Join(", ", left.shape)}] and [{string.Join(", ", right.shape)}].", nameof(b));
        }
        var half = left.shape[1] / 2;
        var (re1, im1) = (left.narrow(1, 0, half), left.narrow(1, half, half));
        var (re2, im2) = (right.narrow(1, 0, half), right.narrow(1, half, half));
        // As sentence-transformers: (z_a conj(z_b)) / |b|^2 = ((re1 re2 + im1 im2) + i (im1 re2 - re1 im2)) / |b|^2, times |b| / |a|.
        var squaredNorm2 = re2.square().add(im2.square()).sum(1, keepdim: true);
        var normRatio = re1.square().add(im1.square()).sum(1, keepdim: true).sqrt().div(squaredNorm2.sqrt());
        var re = re1.mul(re2).add(im1.mul(im2)).div(squaredNorm2).div(normRatio);
        var im = im1.mul(re2).sub(re1.mul(im2)).div(squaredNorm2).div(normRatio);
        return re.sum(1).add(im.sum(1)).abs().MoveToOuterDisposeScope();
    }

    /// <summary>The similarity matrix for <paramref name="function"/>: <see cref="CosSim(Tensor, Tensor)"/> or <see cref="DotScore"/>.</summary>
    public static Tensor Compute(SimilarityFunction function, Tensor a, Tensor b) => function switch
    {
        SimilarityFunction.Cosine => CosSim(a, b),
        SimilarityFunction.DotProduct => DotScore(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(function), function, "Expected Cosine or DotProduct."),
    };

    /// <summary>
    /// Cosine similarity matrix of embeddings held as arrays (as <c>SentenceTransformer.Encode</c> returns them):
    /// cell [i][j] compares <paramref name="a"/>[i] with <paramref name="b"/>[j]. Computed in float64, rounded once.
    /// </summary>
    public static float[][] CosSim(IReadOnlyList<IReadOnlyList<float>> a, IReadOnlyList<IReadOnlyList<float>> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count == 0 || b.Count == 0)
        {
            return [.. a.Select(_ => Array.Empty<float>())];
        }
        using var scope = NewDisposeScope();
        var values = CosSim(Float64(a, nameof(a)), Float64(b, nameof(b))).to_type(ScalarType.Float32).data<float>().ToArray();
        return [.. values.Chunk(b.Count)];
    }

    /// <summary>
    /// Cosine similarity of each pair (<paramref name="a"/>[i], <paramref name="b"/>[i]) of embeddings held as arrays,
    /// in float64: <c>EmbeddingSimilarityEvaluator</c> ranks these, and float32 rounding would merge near-ties.
    /// </summary>
    public static double[] PairwiseCosSim(IReadOnlyList<IReadOnlyList<float>> a, IReadOnlyList<IReadOnlyList<float>> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"Expected as many embeddings as a's {a.Count}; got {b.Count}.", nameof(b));
        }
        if (a.Count == 0)
        {
            return [];
        }
        using var scope = NewDisposeScope();
        return PairwiseCosSim(Float64(a, nameof(a)), Float64(b, nameof(b))).data<double>().ToArray();
    }

    // The one implementation behind the four above: every row of a against every row of b, or row i against row i
    // only, of the embeddings as they are (dot product) or L2-normalised (cosine).
    private static Tensor Scores(Tensor a, Tensor b, bool cosine, bool pairwise)
    {
        using var scope = NewDisposeScope();
        var (left, right) = (AsMatrix(a, nameof(a)), AsMatrix(b, nameof(b)));
        long[] expected = pairwise ? left.shape : [right.shape[0], left.shape[1]];
        if (!right.shape.SequenceEqual(expected))
        {
            throw new ArgumentException($"Expected b of shape [{string.Join(", ", expected)}] to go with a's [{string.Join(", ", left.shape)}]; got [{string.Join(", ", right.shape)}].", nameof(b));
        }
        if (cosine)
        {
            (left, right) = (nn.functional.normalize(left, p: 2, dim: 1), nn.functional.normalize(right, p: 2, dim: 1));
        }
        var scores = pairwise ? left.mul(right).sum(1) : left.matmul(right.transpose(0, 1));
        return scores.MoveToOuterDisposeScope();
    }

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

    private static Tensor Float64(IReadOnlyList<IReadOnlyList<float>> rows, string name) => Matrix(rows, 0, rows.Count, name, ScalarType.Float64);

    /// <summary>
    /// Rows <paramref name="start"/> to <paramref name="end"/> (exclusive) of embeddings held as arrays, as one
    /// <c>[rows, D]</c> tensor of <paramref name="dtype"/>; a null row or one of another length is an error naming
    /// <paramref name="name"/> and the row.
    /// </summary>
    internal static Tensor Matrix(IReadOnlyList<IReadOnlyList<float>> rows, int start, int end, string name, ScalarType dtype)
    {
        var dimension = rows[start]?.Count ?? throw new ArgumentException($"Row {start} of {name} is null; expected an embedding.", name);
        var values = new float[(end - start) * dimension];
        for (var i = start; i < end; i++)
        {
            var row = rows[i] ?? throw new ArgumentException($"Row {i} of {name} is null; expected an embedding.", name);
            if (row.Count != dimension)
            {
                throw new ArgumentException($"Row {i} of {name} has {row.Count} values; expected {dimension}, as row {start}.", name);
            }
            for (var k = 0; k < dimension; k++)
            {
                values[(i - start) * dimension + k] = row[k];
            }
        }
        using var floats = tensor(values, [end - start, dimension]);
        return floats.to_type(dtype);
    }
}
