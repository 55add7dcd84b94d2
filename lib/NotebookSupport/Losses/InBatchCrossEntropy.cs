using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// The cross-entropy at the heart of Multiple Negatives Ranking loss: row i of a score matrix should peak at column i,
/// so the labels are simply <c>0, 1, 2, ..., B - 1</c> (<c>torch.arange</c>).
/// </summary>
/// <remarks>
/// <para>
/// The score matrix is <c>[B, C]</c> with <c>C &gt;= B</c>: the first B columns are the positives (column i belongs to
/// anchor i), any further columns are hard negatives, which are wrong answers for every row.
/// </para>
/// <para>
/// Used by <see cref="MultipleNegativesRankingLoss"/> and its relatives on the scores of
/// <see cref="InBatchNegativesLoss.Scores"/>, or by hand:
/// </para>
/// <code>
/// var scores = Similarity.CosSim(anchorEmbeddings, positiveEmbeddings) * 20;   // [B, B]
/// var loss = InBatchCrossEntropy.Compute(scores);
/// </code>
/// </remarks>
public static class InBatchCrossEntropy
{
    /// <summary>The labels <c>0 .. batchSize - 1</c> as an <c>int64</c> tensor.</summary>
    public static Tensor Labels(long batchSize, Device? device = null)
    {
        using var stop = batchSize.ToScalar();
        return arange(stop, dtype: ScalarType.Int64, device: device);
    }

    /// <summary>Mean cross-entropy of <paramref name="scores"/> <c>[B, C]</c> against the labels <c>0 .. B - 1</c>.</summary>
    public static Tensor Compute(Tensor scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.dim() != 2 || scores.shape[1] < scores.shape[0])
        {
            throw new ArgumentException($"Expected a score matrix [B, C] with C >= B; got [{string.Join(", ", scores.shape)}].", nameof(scores));
        }
        using var scope = NewDisposeScope();
        var labels = Labels(scores.shape[0], scores.device);
        return nn.functional.cross_entropy(scores, labels).MoveToOuterDisposeScope();
    }
}
