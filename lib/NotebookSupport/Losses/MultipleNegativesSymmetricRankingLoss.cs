using NotebookSupport.Data;
using NotebookSupport.Models;
using NotebookSupport.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// Symmetric Multiple Negatives Ranking loss: the mean of the usual loss (given an anchor, find its positive among all
/// candidates) and the reverse one (given a positive, find its anchor among all anchors).
/// </summary>
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
public sealed class MultipleNegativesSymmetricRankingLoss : SentenceTransformerLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="scale">Multiplier of the similarities before the softmax (1 / temperature).</param>
    /// <param name="similarity">How anchors and candidates are compared.</param>
    public MultipleNegativesSymmetricRankingLoss(SentenceTransformer model, double scale = 20.0, SimilarityFunction similarity = SimilarityFunction.Cosine)
        : base(nameof(MultipleNegativesSymmetricRankingLoss), model)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        Scale = scale;
        SimilarityFunction = similarity;
    }

    /// <summary>Multiplier of the similarity scores (1 / temperature).</summary>
    public double Scale { get; }

    /// <summary>How anchors and candidates are compared.</summary>
    public SimilarityFunction SimilarityFunction { get; }

    /// <summary>Encodes every column of <paramref name="batch"/> and returns <see cref="CalculateLoss"/>.</summary>
    public override Tensor forward(IReadOnlyList<InputExample> batch)
    {
        using var scope = NewDisposeScope();
        var embeddings = EmbedColumns(Columns(batch, minTexts: 2));
        return CalculateLoss(embeddings[0], embeddings[1], embeddings[2..]).MoveToOuterDisposeScope();
    }

    /// <summary>The loss from anchors, positives and optional hard-negative sets, all <c>[B, D]</c>.</summary>
    public Tensor CalculateLoss(Tensor anchors, Tensor positives, params Tensor[] negatives)
    {
        using var scope = NewDisposeScope();
        var scores = MultipleNegativesRankingLoss.Scores(anchors, positives, negatives, Scale, SimilarityFunction);
        var forwardLoss = InBatchCrossEntropy.Compute(scores);
        var anchorPositiveScores = scores.narrow(1, 0, anchors.shape[0]);
        var backwardLoss = InBatchCrossEntropy.Compute(anchorPositiveScores.transpose(0, 1));
        using var one = 1.ToScalar();
        using var half = 0.5.ToScalar();
        return forwardLoss.add(backwardLoss, one).mul(half).MoveToOuterDisposeScope();
    }
}
