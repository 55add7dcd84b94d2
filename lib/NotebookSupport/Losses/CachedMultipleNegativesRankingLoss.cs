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
/// <para>Training goes through <see cref="ForwardBackward"/> (which <c>Fit</c> calls) in three stages:</para>
/// <list type="number">
/// <item><description>embed every column in mini-batches of <see cref="MiniBatchSize"/> without an autograd graph,
/// remembering torch's random state before each mini-batch;</description></item>
/// <item><description>compute the loss on the full batch of embeddings and its gradient with respect to them;</description></item>
/// <item><description>re-embed each mini-batch with a graph, from the same random state (so dropout draws the same
/// masks), and back-propagate the cached embedding gradients through it.</description></item>
/// </list>
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
    public override double ForwardBackward(IReadOnlyList<InputExample> batch)
    {
        using var scope = NewDisposeScope();
        var columns = Columns(batch);
        var chunks = new List<(int Column, TokenizedBatch Tokens, Tensor RandomState)>();
        var embeddings = new Tensor[columns.Length];
        using (no_grad())
        {
            for (var c = 0; c < columns.Length; c++)
            {
                var parts = new List<Tensor>();
                foreach (var texts in MiniBatches(columns[c]))
                {
                    var tokens = Model.Tokenize(texts);
                    chunks.Add((c, tokens, random.get_rng_state()));
                    parts.Add(Model.Forward(tokens));
                }
                embeddings[c] = cat(parts, 0).requires_grad_(true);
            }
        }

        var loss = CalculateLoss(embeddings[0], embeddings[1], embeddings[2..]);
        loss.backward();
        var lossValue = loss.ToDouble();

        var offsets = new long[columns.Length];
        foreach (var (column, tokens, randomState) in chunks)
        {
            using var chunkScope = NewDisposeScope();
            var gradient = embeddings[column].grad!.narrow(0, offsets[column], tokens.BatchSize);
            offsets[column] += tokens.BatchSize;
            random.set_rng_state(randomState);
            var reEmbedded = Model.Forward(tokens);
            reEmbedded.backward([gradient]);
        }
        return lossValue;
    }

    /// <summary>
    /// Embeds each column mini-batch by mini-batch, in the cached path's order, with a full autograd graph: what
    /// <c>forward</c> uses, so that it gives the loss the cached path is checked against.
    /// </summary>
    protected override Tensor[] EmbedColumns(IReadOnlyList<string>[] columns) =>
        [.. columns.Select(column => cat(MiniBatches(column).Select(Embed).ToArray(), 0))];

    private IEnumerable<IReadOnlyList<string>> MiniBatches(IReadOnlyList<string> texts) =>
        texts.Chunk(MiniBatchSize).Select(chunk => (IReadOnlyList<string>)chunk);
}
