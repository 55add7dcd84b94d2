using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

/// <summary>
/// What every GradCache loss must show (CachedMultipleNegativesRankingLoss, CachedGISTEmbedLoss): the loss and the
/// parameter gradients of its formula (<see cref="Formula"/>, the uncached loss's <c>CalculateLoss</c>) on an ordinary
/// autograd graph, with dropout and without.
/// </summary>
public abstract class GradCacheLossTests
{
    protected const double Tolerance = 1e-5;

    private static readonly string[] _subjects = ["A man", "Two women", "A child", "The old dog", "A chef", "Some tourists", "A girl", "Three boys", "A cyclist", "The band"];
    private static readonly string[] _actions = ["is playing a guitar", "are walking on the beach", "jumps into a lake", "sleeps under a tree", "cooks pasta", "take photos of a bridge", "reads a long book", "kick a red ball", "rides up a hill", "performs on stage"];

    /// <summary>The cached loss under test.</summary>
    protected abstract EmbeddingLoss Cached(SentenceTransformer model, int miniBatchSize);

    /// <summary>The same loss without GradCache.</summary>
    protected abstract EmbeddingLoss Uncached(SentenceTransformer model);

    /// <summary>The loss's formula on the columns' embeddings of <paramref name="batch"/>, with autograd.</summary>
    protected abstract Tensor Formula(SentenceTransformer model, Tensor[] columns, List<InputExample> batch);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WithDropoutAndOneMiniBatchCachedEqualsPlainLoss(bool hardNegatives)
    {
        var model = TestModels.Tiny(seed: 3);
        model.train();
        var batch = Batch(8, hardNegatives);
        // One forward pass per column, the order in which the cached loss draws its dropout masks (the uncached losses
        // send the columns through the encoder together).
        var plain = Run(model, 42, () => FormulaBackward(model, batch, Columns(batch).Select(column => model.Forward(column)).ToArray()));
        var cached = Run(model, 42, () => Cached(model, miniBatchSize: 8).ForwardBackward(batch));
        AssertSame(plain, cached);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WithDropoutAndSmallMiniBatchesCachedEqualsAFullGraphOverTheSameMiniBatches(bool hardNegatives)
    {
        var model = TestModels.Tiny(seed: 4);
        model.train();
        var batch = Batch(10, hardNegatives);
        const int miniBatch = 3;
        // The reference: an ordinary autograd graph over the same mini-batch forwards (same dropout draws), then the
        // formula on the concatenated embeddings.
        var reference = Run(model, 7, () => FormulaBackward(model, batch,
            Columns(batch).Select(column => cat(column.Chunk(miniBatch).Select(chunk => model.Forward(chunk)).ToArray(), 0)).ToArray()));
        var cachedLoss = Cached(model, miniBatch);
        var cached = Run(model, 7, () => cachedLoss.ForwardBackward(batch));
        AssertSame(reference, cached);

        var fullGraph = Run(model, 7, () =>
        {
            using var scope = NewDisposeScope();
            var loss = cachedLoss.forward(batch);
            loss.backward();
            return loss.ToDouble();
        });
        AssertSame(reference, fullGraph);

        // Control: dropout really is active, so a different random state changes the gradients beyond the tolerance.
        var otherSeed = Run(model, 8, () => cachedLoss.ForwardBackward(batch));
        Assert.True(MaxGradientDifference(reference, otherSeed) > 100 * Tolerance, "dropout should change the gradients");
    }

    [Fact]
    public void WithoutDropoutSmallMiniBatchesEqualPlainFullBatchLoss()
    {
        var model = TestModels.Tiny(seed: 5);
        model.eval();
        var batch = Batch(9, hardNegatives: true);
        var plain = Run(model, 1, () => Uncached(model).ForwardBackward(batch));
        var cached = Run(model, 1, () => Cached(model, miniBatchSize: 2).ForwardBackward(batch));
        AssertSame(plain, cached);
    }

    protected static List<InputExample> Batch(int size, bool hardNegatives) =>
        Enumerable.Range(0, size).Select(i =>
        {
            var anchor = $"{_subjects[i % 10]} {_actions[i % 10]} near house {i}.";
            var positive = $"{_subjects[i % 10]} is outside {i}.";
            var negative = $"Nobody {_actions[(i + 3) % 10]} today {i}.";
            return hardNegatives ? new InputExample(anchor, positive, negative) : new InputExample(anchor, positive);
        }).ToList();

    protected static string[][] Columns(List<InputExample> batch) =>
        [.. Enumerable.Range(0, batch[0].Texts.Count).Select(c => batch.Select(e => e.Texts[c]).ToArray())];

    protected sealed record Outcome(double Loss, Dictionary<string, float[]> Gradients);

    protected static Outcome Run(SentenceTransformer model, int seed, Func<double> forwardBackward)
    {
        model.zero_grad();
        torch.manual_seed(seed);
        var loss = forwardBackward();
        var gradients = model.named_parameters()
            .Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.data<float>().ToArray());
        model.zero_grad();
        return new Outcome(loss, gradients);
    }

    protected static void AssertSame(Outcome expected, Outcome actual)
    {
        Assert.Equal(expected.Loss, actual.Loss, Tolerance);
        Assert.Equal(expected.Gradients.Keys.Order(), actual.Gradients.Keys.Order());
        Assert.Contains("0.auto_model.encoder.layer.0.attention.self.query.weight", actual.Gradients.Keys);
        var difference = MaxGradientDifference(expected, actual);
        Assert.True(difference <= Tolerance, $"largest parameter-gradient difference {difference:E3} exceeds {Tolerance:E0}");
    }

    protected static double MaxGradientDifference(Outcome a, Outcome b) =>
        a.Gradients.Max(p => p.Value.Zip(b.Gradients[p.Key], (x, y) => (double)Math.Abs(x - y)).DefaultIfEmpty(0).Max());

    private double FormulaBackward(SentenceTransformer model, List<InputExample> batch, Tensor[] columns)
    {
        using var scope = NewDisposeScope();
        var loss = Formula(model, columns, batch);
        loss.backward();
        return loss.ToDouble();
    }
}
