using NotebookSupport.Data;
using NotebookSupport.Models;
using NotebookSupport.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// Base of the losses with in-batch negatives (the family of <see cref="MultipleNegativesRankingLoss"/>, also known as
/// InfoNCE): every anchor is scored against every candidate of the batch with <see cref="SimilarityFunction"/>, times
/// <see cref="Scale"/>, and the other examples' positives serve as its negatives.
/// </summary>
/// <remarks>
/// <para>
/// A batch holds (anchor, positive, negative_1, ..., negative_n) examples with n &gt;= 0. <c>forward</c> (in
/// <see cref="EmbeddingLoss"/>) encodes each column and hands the embeddings to
/// <see cref="CalculateLoss(Tensor, Tensor, Tensor[])"/> (sentence-transformers' <c>compute_loss_from_embeddings</c>), which scores them (<see cref="Scores"/>) and leaves the rest of the math to
/// the derived loss's <see cref="LossFromScores"/>, so each loss states only what sets it apart.
/// </para>
/// <para>
/// Related: <see cref="MultipleNegativesRankingLoss"/>, <see cref="MultipleNegativesSymmetricRankingLoss"/>,
/// <see cref="CachedMultipleNegativesRankingLoss"/>, <see cref="InBatchCrossEntropy"/>.
/// </para>
/// </remarks>
public abstract class InBatchNegativesLoss : EmbeddingLoss
{
    /// <summary>Creates a loss that trains <paramref name="model"/>.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="model">The model to train.</param>
    /// <param name="scale">Multiplier of the similarities before the softmax (1 / temperature); 20 suits cosine.</param>
    /// <param name="similarity">How anchors and candidates are compared.</param>
    protected InBatchNegativesLoss(string name, SentenceTransformer model, double scale, SimilarityFunction similarity)
        : base(name, model)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        if (!Enum.IsDefined(similarity))
        {
            throw new ArgumentOutOfRangeException(nameof(similarity), similarity, "Expected Cosine or DotProduct.");
        }
        Scale = scale;
        SimilarityFunction = similarity;
    }

    /// <summary>Multiplier of the similarity scores (1 / temperature).</summary>
    public double Scale { get; }

    /// <summary>How anchors and candidates are compared.</summary>
    public SimilarityFunction SimilarityFunction { get; }

    /// <summary>
    /// The loss from embeddings (sentence-transformers' <c>compute_loss_from_embeddings</c>): anchors <c>[B, D]</c>,
    /// positives <c>[B, D]</c> and any number of hard-negative sets <c>[B, D]</c>.
    /// </summary>
    public Tensor CalculateLoss(Tensor anchors, Tensor positives, params Tensor[] negatives)
    {
        using var scope = NewDisposeScope();
        return LossFromScores(Scores(anchors, positives, negatives)).MoveToOuterDisposeScope();
    }

    /// <summary>The loss from the columns' embeddings: anchors, positives, then each set of hard negatives; no targets.</summary>
    public override Tensor CalculateLoss(IReadOnlyList<Tensor> embeddings, Tensor? targets)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Count < 2)
        {
            throw new ArgumentException($"{GetType().Name} needs at least the anchors' and the positives' embeddings; got {embeddings.Count} column(s).", nameof(embeddings));
        }
        return CalculateLoss(embeddings[0], embeddings[1], [.. embeddings.Skip(2)]);
    }

    /// <summary>
    /// The loss from the <see cref="Scores"/> matrix <c>[B, B * (1 + negatives)]</c>. Runs inside
    /// <see cref="CalculateLoss(Tensor, Tensor, Tensor[])"/>'s dispose scope, which frees its intermediate tensors.
    /// </summary>
    protected abstract Tensor LossFromScores(Tensor scores);

    /// <summary>The text columns of <paramref name="batch"/>: anchors, positives, then each set of hard negatives.</summary>
    protected override IReadOnlyList<string>[] Columns(IReadOnlyList<InputExample> batch) => Columns(batch, minTexts: 2);

    /// <summary>
    /// The scaled score matrix <c>[B, B * (1 + negatives)]</c>: every anchor against the positives first, then against
    /// each negative set; column i holds anchor i's positive.
    /// </summary>
    protected Tensor Scores(Tensor anchors, Tensor positives, Tensor[] negatives)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        ArgumentNullException.ThrowIfNull(positives);
        ArgumentNullException.ThrowIfNull(negatives);
        foreach (var (t, name) in new[] { (positives, nameof(positives)) }.Concat(negatives.Select((n, i) => (n, $"negatives[{i}]"))))
        {
            if (!t.shape.SequenceEqual(anchors.shape))
            {
                throw new ArgumentException($"{name} has shape [{string.Join(", ", t.shape)}]; expected the anchors' shape [{string.Join(", ", anchors.shape)}].", name);
            }
        }
        using var scope = NewDisposeScope();
        var candidates = negatives.Length == 0 ? positives : cat([positives, .. negatives], 0);
        using var factor = Scale.ToScalar();
        return Similarity.Compute(SimilarityFunction, anchors, candidates).mul(factor).MoveToOuterDisposeScope();
    }
}
