using NotebookSupport.Models;
using NotebookSupport.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// Symmetric Multiple Negatives Ranking loss: the mean of the usual loss (given an anchor, find its positive among all
/// candidates) and the reverse one (given a positive, find its anchor among all anchors).
/// </summary>
/// <param name="model">The model to train.</param>
/// <param name="scale">Multiplier of the similarities before the softmax (1 / temperature).</param>
/// <param name="similarity">How anchors and candidates are compared.</param>
/// <remarks>
/// <para>
/// Accepts (anchor, positive) pairs and (anchor, positive, negative_1, ..., negative_n); hard negatives take part in
/// the forward direction only, since a negative has no anchor of its own. Useful when the relation is symmetric, as
/// for paraphrases or question-answer retrieval in both directions.
/// </para>
/// <para>Related: <see cref="MultipleNegativesRankingLoss"/>.</para>
/// <example>
/// <code>
/// var loss = new MultipleNegativesSymmetricRankingLoss(model);
/// model.Fit(trainObjectives: [(loader, loss)], new FitOptions { Epochs = 1 });
/// </code>
/// </example>
/// </remarks>
public sealed class MultipleNegativesSymmetricRankingLoss(SentenceTransformer model, double scale = 20.0, SimilarityFunction similarity = SimilarityFunction.Cosine)
    : InBatchNegativesLoss(nameof(MultipleNegativesSymmetricRankingLoss), model, scale, similarity)
{
    /// <summary>
    /// The mean of the anchor-to-candidates cross-entropy and the positive-to-anchors one, which reads the anchors'
    /// block of positives column by column.
    /// </summary>
    protected override Tensor LossFromScores(Tensor scores)
    {
        var forwardLoss = InBatchCrossEntropy.Compute(scores);
        var backwardLoss = InBatchCrossEntropy.Compute(scores.narrow(1, 0, scores.shape[0]).transpose(0, 1));
        using var one = 1.ToScalar();
        using var half = 0.5.ToScalar();
        return forwardLoss.add(backwardLoss, one).mul(half);
    }
}
