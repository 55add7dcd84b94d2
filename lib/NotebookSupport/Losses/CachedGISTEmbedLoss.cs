using NotebookSupport.Data;
using NotebookSupport.Models;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// <see cref="GISTEmbedLoss"/> with GradCache, as <see cref="CachedMultipleNegativesRankingLoss"/> is to MNR: the same
/// loss and gradients, with the trained model's memory bounded by a mini-batch, so the batch (and with it the number of
/// in-batch negatives) can grow to 256 or more on a CPU.
/// </summary>
/// <remarks>
/// Training goes through <see cref="ForwardBackward"/> (which <c>Fit</c> calls): the guide embeds the batch once without
/// gradients, as in <see cref="GISTEmbedLoss"/>, and the trained model goes through <see cref="GradCache"/>'s three
/// stages. <c>forward</c> gives the same loss with an ordinary graph over the same mini-batches (no memory saving).
/// <example>
/// <code>
/// var guide = SentenceTransformer.Load("bundled:all-MiniLM-L6-v2");
/// var loss = new CachedGISTEmbedLoss(model, guide, miniBatchSize: 32);
/// model.Fit(trainObjectives: [(new NoDuplicatesDataLoader(pairs, batchSize: 256), loss)], new FitOptions { Epochs = 1 });
/// </code>
/// </example>
/// </remarks>
public sealed class CachedGISTEmbedLoss : GISTEmbedLoss
{
    /// <summary>Creates the loss; the parameters are <see cref="GISTEmbedLoss"/>'s.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="guide">The frozen model that picks out false negatives; not <paramref name="model"/> itself.</param>
    /// <param name="temperature">Divisor of the cosine similarities (1 / scale); 0.01 as sentence-transformers.</param>
    /// <param name="marginStrategy">How <paramref name="margin"/> lowers the guide's threshold.</param>
    /// <param name="margin">0 masks only candidates the guide scores above the positive.</param>
    /// <param name="contrastAnchors">Include the anchor-anchor block (the other anchors as negatives), as the paper.</param>
    /// <param name="contrastPositives">Include the positive-positive block, as the paper.</param>
    /// <param name="miniBatchSize">Sentences the trained model encodes at once; bounds memory, does not change the result.</param>
    public CachedGISTEmbedLoss(SentenceTransformer model, SentenceTransformer guide, double temperature = 0.01,
        GistMarginStrategy marginStrategy = GistMarginStrategy.Absolute, double margin = 0.0,
        bool contrastAnchors = true, bool contrastPositives = true, int miniBatchSize = 32)
        : base(nameof(CachedGISTEmbedLoss), model, guide, temperature, marginStrategy, margin, contrastAnchors, contrastPositives)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(miniBatchSize, 1);
        MiniBatchSize = miniBatchSize;
    }

    /// <summary>Sentences the trained model encodes at once.</summary>
    public int MiniBatchSize { get; }

    /// <summary>GradCache: the loss's parameter gradients in the memory of one mini-batch; returns the loss.</summary>
    public override double ForwardBackward(IReadOnlyList<InputExample> batch)
    {
        using var scope = NewDisposeScope();
        return GradCache.ForwardBackward(this, Columns(batch), Targets(batch), MiniBatchSize);
    }

    /// <summary>Embeds each column mini-batch by mini-batch, in the cached path's order, with a full autograd graph.</summary>
    protected override Tensor[] EmbedColumns(IReadOnlyList<string>[] columns) => GradCache.EmbedColumns(Model, columns, MiniBatchSize);
}
