using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// GradCache (Gao et al., 2021, arXiv:2101.06983): an <see cref="EmbeddingLoss"/>'s parameter gradients over a large
/// batch in the memory of one mini-batch. What <see cref="CachedMultipleNegativesRankingLoss"/> and
/// <see cref="CachedGISTEmbedLoss"/> train with.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item><description>embed every column in mini-batches without an autograd graph, remembering torch's random state
/// before each mini-batch;</description></item>
/// <item><description>compute the loss on the full batch of embeddings and its gradient with respect to them;</description></item>
/// <item><description>re-embed each mini-batch with a graph, from the same random state (so dropout draws the same
/// masks), and back-propagate the cached embedding gradients through it.</description></item>
/// </list>
/// The gradients equal those of an ordinary graph over the same mini-batch forwards (<see cref="EmbedColumns"/>),
/// at the price of a second forward pass.
/// </remarks>
internal static class GradCache
{
    /// <summary>
    /// Back-propagates <paramref name="loss"/>'s <c>CalculateLoss(embeddings, targets)</c> over <paramref name="columns"/>
    /// into the model's parameters, mini-batch by mini-batch; returns the loss.
    /// </summary>
    public static double ForwardBackward(EmbeddingLoss loss, IReadOnlyList<string>[] columns, Tensor? targets, int miniBatchSize)
    {
        using var scope = NewDisposeScope();
        var model = loss.Model;
        var chunks = new List<(int Column, TokenizedBatch Tokens, Tensor RandomState)>();
        var embeddings = new Tensor[columns.Length];
        using (no_grad())
        {
            for (var c = 0; c < columns.Length; c++)
            {
                var parts = new List<Tensor>();
                foreach (var texts in MiniBatches(columns[c], miniBatchSize))
                {
                    var tokens = model.Tokenize(texts);
                    chunks.Add((c, tokens, random.get_rng_state()));
                    parts.Add(model.Forward(tokens));
                }
                embeddings[c] = cat(parts, 0).requires_grad_(true);
            }
        }

        var value = loss.CalculateLoss(embeddings, targets);
        value.backward();
        var lossValue = value.ToDouble();

        var offsets = new long[columns.Length];
        foreach (var (column, tokens, randomState) in chunks)
        {
            using var chunkScope = NewDisposeScope();
            var gradient = embeddings[column].grad!.narrow(0, offsets[column], tokens.BatchSize);
            offsets[column] += tokens.BatchSize;
            random.set_rng_state(randomState);
            var reEmbedded = model.Forward(tokens);
            reEmbedded.backward([gradient]);
        }
        return lossValue;
    }

    /// <summary>
    /// Embeds each column mini-batch by mini-batch, in <see cref="ForwardBackward"/>'s order, with a full autograd
    /// graph: the cached losses' <c>forward</c>, the reference their cached path is checked against.
    /// </summary>
    public static Tensor[] EmbedColumns(SentenceTransformer model, IReadOnlyList<string>[] columns, int miniBatchSize) =>
        [.. columns.Select(column => cat(MiniBatches(column, miniBatchSize).Select(texts => model.Forward(texts)).ToArray(), 0))];

    private static IEnumerable<IReadOnlyList<string>> MiniBatches(IReadOnlyList<string> texts, int miniBatchSize) =>
        texts.Chunk(miniBatchSize).Select(chunk => (IReadOnlyList<string>)chunk);
}
