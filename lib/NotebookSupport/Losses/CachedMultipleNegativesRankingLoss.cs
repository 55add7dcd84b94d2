using NotebookSupport.Data;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using NotebookSupport.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// <see cref="MultipleNegativesRankingLoss"/> with GradCache, so a CPU can train with batches of 256 or more in the
/// memory of one mini-batch: same loss, same gradients.
/// </summary>
/// <remarks>
/// <para>Training goes through <see cref="ForwardBackward"/> (which <c>Fit</c> calls) in three stages
/// (<see cref="GradCache"/>): embed every column in mini-batches of <see cref="MiniBatchSize"/> without an autograd
/// graph, compute the loss on the full batch of embeddings and its gradient with respect to them, then re-embed each
/// mini-batch with a graph, from the same random state (so dropout draws the same masks), and back-propagate the
/// cached gradients through it.</para>
/// <para>
/// Memory grows with the mini-batch, not the batch, at the price of a second forward pass. <c>forward</c> gives the
/// same loss with an ordinary graph over all mini-batches (no memory saving); it is the reference the cached path is
/// checked against. References: Gao et al., 2021, "Scaling Deep Contrastive Learning Batch Size under Memory Limited
/// Setup" (arXiv:2101.06983).
/// </para>
/// <example>
/// <code>
/// var loader = new NoDuplicatesDataLoader(examples, batchSize: 256);
/// var loss = new CachedMultipleNegativesRankingLoss(model, miniBatchSize: 32);
/// model.Fit(trainObjectives: [(loader, loss)], new FitOptions { Epochs = 1 });
/// </code>
/// </example>
/// </remarks>
public sealed class CachedMultipleNegativesRankingLoss : InBatchNegativesLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="scale">Multiplier of the similarities before the softmax (1 / temperature).</param>
    /// <param name="similarity">How anchors and candidates are compared.</param>
    /// <param name="miniBatchSize">Sentences encoded at once; bounds memory, does not change the result.</param>
    public CachedMultipleNegativesRankingLoss(SentenceTransformer model, double scale = 20.0, SimilarityFunction similarity = SimilarityFunction.Cosine, int miniBatchSize = 32)
        : base(nameof(CachedMultipleNegativesRankingLoss), model, scale, similarity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(miniBatchSize, 1);
        MiniBatchSize = miniBatchSize;
    }

    /// <summary>Sentences encoded at once.</summary>
    public int MiniBatchSize { get; }

    /// <summary>The formula of <see cref="MultipleNegativesRankingLoss"/>: cross-entropy of each anchor's row against column i.</summary>
    protected override Tensor LossFromScores(Tensor scores) => InBatchCrossEntropy.Compute(scores);

    /// <summary>GradCache: the loss's parameter gradients in the memory of one mini-batch; returns the loss.</summary>
    public override double ForwardBackward(IReadOnlyList<InputExample> batch) => GradCache.ForwardBackward(this, Columns(batch), targets: null, MiniBatchSize);

    /// <summary>
    /// Embeds each column mini-batch by mini-batch, in the cached path's order, with a full autograd graph: what
    /// <c>forward</c> uses, so that it gives the loss the cached path is checked against.
    /// </summary>
    protected override Tensor[] EmbedColumns(IReadOnlyList<string>[] columns) => GradCache.EmbedColumns(Model, columns, MiniBatchSize);
}
