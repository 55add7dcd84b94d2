using NotebookSupport.Data;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// Base of the training losses: a module that turns a batch of <see cref="InputExample"/>s into a scalar loss by
/// encoding its columns with <see cref="Model"/>.
/// </summary>
/// <remarks>
/// The model is not registered as a child module, so <c>parameters()</c> of a loss are only its own (for example
/// <see cref="SoftmaxLoss"/>'s classifier); <c>Fit</c> optimises the model's and the losses' parameters together.
/// </remarks>
public abstract class SentenceTransformerLoss : nn.Module<IReadOnlyList<InputExample>, Tensor>
{
    /// <summary>Creates a loss that trains <paramref name="model"/>.</summary>
    protected SentenceTransformerLoss(string name, SentenceTransformer model) : base(name)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    /// <summary>The model whose embeddings the loss compares.</summary>
    public SentenceTransformer Model { get; }

    /// <summary>
    /// Computes the loss of <paramref name="batch"/>, back-propagates it into the parameters' <c>grad</c> and returns
    /// its value. The default is <c>forward(batch).backward()</c>; losses that save memory (GradCache) override it.
    /// </summary>
    public virtual double ForwardBackward(IReadOnlyList<InputExample> batch)
    {
        using var scope = NewDisposeScope();
        var loss = forward(batch);
        loss.backward();
        return loss.ToDouble();
    }

    /// <summary>Sentence embeddings <c>[N, D]</c> of <paramref name="texts"/>, with autograd.</summary>
    protected Tensor Embed(IReadOnlyList<string> texts) => Model.Forward(Model.Tokenize(texts));

    /// <summary>Sentence embeddings of every column, with autograd (see <see cref="SentenceTransformer.Forward(IReadOnlyList{TokenizedBatch})"/>).</summary>
    protected virtual Tensor[] EmbedColumns(IReadOnlyList<string>[] columns) => Model.Forward(columns.Select(Model.Tokenize).ToArray());

    /// <summary>
    /// Splits a batch into its text columns (column 0 = every example's first text, ...), checking that all examples
    /// have the same number of texts, at least <paramref name="minTexts"/> and at most <paramref name="maxTexts"/>.
    /// </summary>
    protected IReadOnlyList<string>[] Columns(IReadOnlyList<InputExample> batch, int minTexts, int maxTexts = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            throw new ArgumentException($"{GetType().Name} got an empty batch.", nameof(batch));
        }
        var count = batch[0].Texts.Count;
        for (var i = 0; i < batch.Count; i++)
        {
            var n = batch[i].Texts.Count;
            if (n != count || n < minTexts || n > maxTexts)
            {
                var expected = maxTexts == minTexts ? $"{minTexts}" : maxTexts == int.MaxValue ? $"at least {minTexts}" : $"{minTexts} to {maxTexts}";
                throw new ArgumentException(
                    $"{GetType().Name} expects every example of a batch to have the same number of texts ({expected}); " +
                    $"example {i} of the batch has {n} and example 0 has {count}: {batch[i]}", nameof(batch));
            }
        }
        return Enumerable.Range(0, count).Select(c => (IReadOnlyList<string>)batch.Select(e => e.Texts[c]).ToArray()).ToArray();
    }
}
