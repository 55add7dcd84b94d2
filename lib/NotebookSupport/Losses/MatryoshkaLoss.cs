using System.Globalization;
using NotebookSupport.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// Matryoshka loss: a loss modifier that trains embeddings whose first d dimensions are a good embedding on their own,
/// for each d of <see cref="Dimensions"/>, so a user can truncate them (<c>model.Encode(..., truncateDim: 64)</c>) to
/// compare and store them faster and cheaper.
/// </summary>
/// <remarks>
/// <para>
/// The batch is encoded once; the loss is <c>sum_k weight_k * inner(normalize(embeddings[:, :d_k]))</c>, the wrapped
/// loss's <see cref="EmbeddingLoss.CalculateLoss(IReadOnlyList{Tensor}, Tensor?)"/> on the embeddings truncated to
/// each dimension d_k and L2-normalised (as sentence-transformers' <c>shrink</c>; the cosine losses would give the
/// same without it). The inner loss's targets (gold scores, a guide's embeddings) are used as they are at every
/// dimension.
/// </para>
/// <list type="table">
/// <listheader><term>Texts per example</term><description>Label</description></listheader>
/// <item><term>whatever the wrapped loss accepts</term><description>whatever the wrapped loss needs</description></item>
/// </list>
/// <para>
/// Wraps any <see cref="EmbeddingLoss"/>: <see cref="MultipleNegativesRankingLoss"/>,
/// <see cref="MultipleNegativesSymmetricRankingLoss"/>, <see cref="CoSENTLoss"/>, <see cref="AnglELoss"/>,
/// <see cref="CosineSimilarityLoss"/>, <see cref="GISTEmbedLoss"/>. Not <see cref="CachedMultipleNegativesRankingLoss"/>,
/// whose GradCache path does not go through <c>forward</c>. Reference: Kusupati et al., 2022, "Matryoshka
/// Representation Learning" (arXiv:2205.13147).
/// </para>
/// <example>
/// <code>
/// var loss = new MatryoshkaLoss(new MultipleNegativesRankingLoss(model), [384, 256, 128, 64]);
/// model.Fit(trainObjectives: [(loader, loss)], new FitOptions { Epochs = 1 });
/// var small = model.Encode(sentences, truncateDim: 64, normalizeEmbeddings: true);
/// </code>
/// </example>
/// </remarks>
public sealed class MatryoshkaLoss : SentenceTransformerLoss
{
    /// <summary>Wraps <paramref name="loss"/>.</summary>
    /// <param name="loss">The loss to compute at each dimension; it trains its own model.</param>
    /// <param name="dimensions">The dimensions to truncate to, each from 1 to the model's embedding dimension, e.g. <c>[384, 256, 128, 64]</c>.</param>
    /// <param name="weights">The weight of each dimension's loss; default 1 each.</param>
    public MatryoshkaLoss(EmbeddingLoss loss, IReadOnlyList<int> dimensions, IReadOnlyList<double>? weights = null)
        : base(nameof(MatryoshkaLoss), (loss ?? throw new ArgumentNullException(nameof(loss))).Model)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        if (loss is CachedMultipleNegativesRankingLoss)
        {
            throw new ArgumentException("MatryoshkaLoss cannot wrap CachedMultipleNegativesRankingLoss (its GradCache path bypasses forward); wrap MultipleNegativesRankingLoss.", nameof(loss));
        }
        if (dimensions.Count == 0 || dimensions.Distinct().Count() != dimensions.Count)
        {
            throw new ArgumentException($"Expected one or more distinct dimensions; got [{string.Join(", ", dimensions)}].", nameof(dimensions));
        }
        foreach (var d in dimensions.Where(d => d < 1 || d > loss.Model.EmbeddingDimension))
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), d, $"Each dimension must be from 1 to the model's embedding dimension, {loss.Model.EmbeddingDimension}.");
        }
        weights ??= [.. dimensions.Select(_ => 1.0)];
        if (weights.Count != dimensions.Count || !weights.All(double.IsFinite))
        {
            throw new ArgumentException($"Expected one finite weight per dimension ({dimensions.Count}); got [{string.Join(", ", weights.Select(w => w.ToString(CultureInfo.InvariantCulture)))}].", nameof(weights));
        }
        Loss = loss;
        // Largest first, as sentence-transformers.
        var order = Enumerable.Range(0, dimensions.Count).OrderByDescending(k => dimensions[k]).ToArray();
        Dimensions = [.. order.Select(k => dimensions[k])];
        Weights = [.. order.Select(k => weights[k])];
        register_module("loss", loss);
    }

    /// <summary>The wrapped loss.</summary>
    public EmbeddingLoss Loss { get; }

    /// <summary>The dimensions the embeddings are truncated to, largest first.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>The weight of each dimension's loss, in the order of <see cref="Dimensions"/>.</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>Encodes the batch once (<see cref="EmbeddingLoss.Embed"/>) and returns <see cref="CalculateLoss"/>.</summary>
    public override Tensor forward(IReadOnlyList<InputExample> batch)
    {
        using var scope = NewDisposeScope();
        var (embeddings, targets) = Loss.Embed(batch);
        return CalculateLoss(embeddings, targets).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>sum_k Weights[k] * Loss.CalculateLoss(Shrink(embeddings, Dimensions[k]), targets)</c> for the full
    /// embeddings <c>[B, D]</c> of each column.
    /// </summary>
    public Tensor CalculateLoss(IReadOnlyList<Tensor> embeddings, Tensor? targets)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        using var scope = NewDisposeScope();
        Tensor? total = null;
        for (var k = 0; k < Dimensions.Count; k++)
        {
            var dimension = Dimensions[k];
            using var weight = Weights[k].ToScalar();
            var term = Loss.CalculateLoss([.. embeddings.Select(e => Shrink(e, dimension))], targets).mul(weight);
            total = total is null ? term : total.add(term);
        }
        return total!.MoveToOuterDisposeScope();
    }

    /// <summary>The first <paramref name="dimension"/> values of each embedding <c>[B, D]</c>, scaled to unit length.</summary>
    public static Tensor Shrink(Tensor embeddings, int dimension)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (dimension < 1 || dimension > embeddings.shape[^1])
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"Expected 1 to the embeddings' dimension, {embeddings.shape[^1]}.");
        }
        using var scope = NewDisposeScope();
        return nn.functional.normalize(embeddings.narrow(-1, 0, dimension), p: 2, dim: -1).MoveToOuterDisposeScope();
    }
}
