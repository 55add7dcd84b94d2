using System.Globalization;
using NotebookSupport.Data;
using NotebookSupport.Models;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// Base of the losses whose math runs on the sentence embeddings of a batch's text columns, split from the encoding
/// as sentence-transformers' <c>compute_loss_from_embeddings</c>: <c>forward</c> encodes each column once and hands
/// the embeddings, with the batch's <see cref="Targets"/>, to <see cref="CalculateLoss(IReadOnlyList{Tensor}, Tensor?)"/>.
/// </summary>
/// <remarks>
/// <para>
/// The split lets the math be tested on plain tensors, and lets <see cref="MatryoshkaLoss"/> encode a batch once and
/// compute the loss again on the embeddings truncated to each of its dimensions.
/// </para>
/// <para>
/// The targets are what a loss compares the embeddings against besides one another, and they do not depend on the
/// model being trained: the gold similarity scores for <see cref="CoSENTLoss"/> and
/// <see cref="CosineSimilarityLoss"/>, the frozen guide's embeddings for <see cref="GISTEmbedLoss"/>, nothing
/// (<c>null</c>) for the in-batch negatives losses.
/// </para>
/// </remarks>
public abstract class EmbeddingLoss : SentenceTransformerLoss
{
    /// <summary>Creates a loss that trains <paramref name="model"/>.</summary>
    protected EmbeddingLoss(string name, SentenceTransformer model) : base(name, model)
    {
    }

    /// <summary>Encodes every column of <paramref name="batch"/> and returns <see cref="CalculateLoss(IReadOnlyList{Tensor}, Tensor?)"/>.</summary>
    public override Tensor forward(IReadOnlyList<InputExample> batch)
    {
        using var scope = NewDisposeScope();
        var (embeddings, targets) = Embed(batch);
        return CalculateLoss(embeddings, targets).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The embeddings of each text column of <paramref name="batch"/> (<c>[B, D]</c> each, with autograd) and its
    /// <see cref="Targets"/>; what <c>forward</c> computes before the math.
    /// </summary>
    public (Tensor[] Embeddings, Tensor? Targets) Embed(IReadOnlyList<InputExample> batch)
    {
        var columns = Columns(batch);
        return (EmbedColumns(columns), Targets(batch));
    }

    /// <summary>
    /// The loss from the columns' embeddings (<c>[B, D]</c> each, in column order) and the batch's
    /// <see cref="Targets"/>.
    /// </summary>
    public abstract Tensor CalculateLoss(IReadOnlyList<Tensor> embeddings, Tensor? targets);

    /// <summary>The text columns of <paramref name="batch"/>, checked for the number of texts the loss accepts.</summary>
    protected abstract IReadOnlyList<string>[] Columns(IReadOnlyList<InputExample> batch);

    /// <summary>What the loss compares the embeddings against besides one another; <c>null</c> (the default) for nothing.</summary>
    protected virtual Tensor? Targets(IReadOnlyList<InputExample> batch) => null;

    /// <summary>
    /// The examples' <see cref="InputExample.Label"/>s as a <c>float64 [B]</c> tensor, every one required: the gold
    /// similarity scores of <see cref="CoSENTLoss"/> and <see cref="CosineSimilarityLoss"/>.
    /// </summary>
    protected Tensor Scores(IReadOnlyList<InputExample> batch)
    {
        var scores = new double[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            scores[i] = batch[i].Label is { } label && double.IsFinite(label)
                ? label
                : throw new ArgumentException($"{GetType().Name} needs a similarity score as the label of every example; example {i} of the batch has {batch[i].Label?.ToString(CultureInfo.InvariantCulture) ?? "none"}: {batch[i]}", nameof(batch));
        }
        return tensor(scores);
    }

    /// <summary>Checks the arguments of a pairs-with-scores loss: two embedding columns of one shape and a score per pair.</summary>
    protected static (Tensor U, Tensor V, Tensor Scores) ScoredPairs(IReadOnlyList<Tensor> embeddings, Tensor? targets)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Count != 2 || !embeddings[0].shape.SequenceEqual(embeddings[1].shape) || embeddings[0].dim() != 2)
        {
            throw new ArgumentException($"Expected the embeddings [B, D] of the two sentences of each pair; got {embeddings.Count} column(s) of shapes {string.Join(", ", embeddings.Select(e => $"[{string.Join(", ", e.shape)}]"))}.", nameof(embeddings));
        }
        if (targets is null || targets.dim() != 1 || targets.shape[0] != embeddings[0].shape[0])
        {
            throw new ArgumentException($"Expected one gold score per pair, [{embeddings[0].shape[0]}]; got {(targets is null ? "none" : $"[{string.Join(", ", targets.shape)}]")}.", nameof(targets));
        }
        return (embeddings[0], embeddings[1], targets);
    }
}
