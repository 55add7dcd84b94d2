using NotebookSupport.Data;
using NotebookSupport.Models;
using NotebookSupport.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// Multiple Negatives Ranking loss (in-batch negatives): for each anchor, its own positive should score higher than
/// every other positive in the batch and than every hard negative.
/// </summary>
/// <remarks>
/// <para>
/// The anchors and candidates are encoded by the same model; the similarity matrix of every anchor against every
/// candidate is multiplied by <see cref="Scale"/> and trained with cross-entropy whose labels are
/// <c>0, 1, ..., B - 1</c> (anchor i belongs with positive i). A larger batch gives more negatives and usually a better
/// model. Use <see cref="NoDuplicatesDataLoader"/> so that no sentence is its own negative.
/// </para>
/// <list type="table">
/// <listheader><term>Texts per example</term><description>Meaning</description></listheader>
/// <item><term>(anchor, positive)</term><description>pairs, e.g. NLI premise and entailed hypothesis</description></item>
/// <item><term>(anchor, positive, negative)</term><description>triplets, e.g. with the contradiction as hard negative</description></item>
/// <item><term>(anchor, positive, negative_1, ..., negative_n)</term><description>n hard negatives per anchor</description></item>
/// </list>
/// <para>
/// References: Henderson et al., 2017, "Efficient Natural Language Response Suggestion for Smart Reply"
/// (arXiv:1705.00652). Related: <see cref="MultipleNegativesSymmetricRankingLoss"/>,
/// <see cref="CachedMultipleNegativesRankingLoss"/> (large batches in bounded memory), <see cref="SoftmaxLoss"/>.
/// </para>
/// <example>
/// <code>
/// var examples = pairs.Select(p =&gt; new InputExample(p.Premise, p.Hypothesis)).ToList();
/// var loader = new NoDuplicatesDataLoader(examples, batchSize: 32);
/// var loss = new MultipleNegativesRankingLoss(model);
/// model.Fit(trainObjectives: [(loader, loss)], new FitOptions { Epochs = 1, WarmupSteps = (int)(0.1 * loader.Count), OutputPath = "mnr" });
/// </code>
/// </example>
/// </remarks>
public sealed class MultipleNegativesRankingLoss : SentenceTransformerLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="scale">Multiplier of the similarities before the softmax (1 / temperature); 20 suits cosine.</param>
    /// <param name="similarity">How anchors and candidates are compared.</param>
    public MultipleNegativesRankingLoss(SentenceTransformer model, double scale = 20.0, SimilarityFunction similarity = SimilarityFunction.Cosine)
        : base(nameof(MultipleNegativesRankingLoss), model)
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

    /// <summary>
    /// The loss from embeddings (sentence-transformers' <c>compute_loss_from_embeddings</c>): anchors <c>[B, D]</c>,
    /// positives <c>[B, D]</c> and any number of hard-negative sets <c>[B, D]</c>.
    /// </summary>
    public Tensor CalculateLoss(Tensor anchors, Tensor positives, params Tensor[] negatives) =>
        Calculate(anchors, positives, negatives, Scale, SimilarityFunction);

    internal static Tensor Calculate(Tensor anchors, Tensor positives, Tensor[] negatives, double scale, SimilarityFunction similarity)
    {
        using var scope = NewDisposeScope();
        var scores = Scores(anchors, positives, negatives, scale, similarity);
        return InBatchCrossEntropy.Compute(scores).MoveToOuterDisposeScope();
    }

    /// <summary>The scaled score matrix <c>[B, B * (1 + negatives)]</c>: positives first, then each negative set.</summary>
    internal static Tensor Scores(Tensor anchors, Tensor positives, Tensor[] negatives, double scale, SimilarityFunction similarity)
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
        // An explicit, disposed Scalar: TorchSharp's implicit ones can be finalised while libtorch still reads them.
        using var factor = scale.ToScalar();
        return Similarity.Compute(similarity, anchors, candidates).mul(factor).MoveToOuterDisposeScope();
    }
}
