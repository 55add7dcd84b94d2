using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tests.Training;
using TorchSharp;
using static NotebookSupport.Tests.Losses.GradCacheChecks;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

/// <summary>
/// CachedGISTEmbedLoss against GISTEmbedLoss's formula (<c>CalculateLoss</c>, checked against float64 in
/// GISTEmbedLossTests) on an ordinary autograd graph: the same loss and parameter gradients.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class CachedGISTEmbedLossTests
{
    // Scale 20, as MNR's: the default 0.01 would multiply the gradients (and their float32 rounding) by five.
    private const double Temperature = 0.05;

    private static readonly SentenceTransformer _guide = TestModels.Tiny(seed: 9, dropout: 0);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WithDropoutAndOneMiniBatchCachedEqualsPlainLoss(bool hardNegatives)
    {
        var model = TestModels.Tiny(seed: 3);
        model.train();
        var batch = Batch(8, hardNegatives);
        var gist = new GISTEmbedLoss(model, _guide, Temperature);
        // One forward pass per column, the order in which the cached loss draws its dropout masks (GISTEmbedLoss itself
        // sends the columns through the encoder together).
        var plain = Run(model, 42, () =>
        {
            using var scope = NewDisposeScope();
            var columns = Columns(batch).Select(column => model.Forward(column)).ToArray();
            var loss = gist.CalculateLoss(columns, GuideEmbeddings(batch));
            loss.backward();
            return loss.ToDouble();
        });
        var cached = Run(model, 42, () => new CachedGISTEmbedLoss(model, _guide, Temperature, miniBatchSize: 8).ForwardBackward(batch));
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
        var gist = new GISTEmbedLoss(model, _guide, Temperature);
        var reference = Run(model, 7, () =>
        {
            using var scope = NewDisposeScope();
            var columns = Columns(batch).Select(column => cat(column.Chunk(miniBatch).Select(chunk => model.Forward(chunk)).ToArray(), 0)).ToArray();
            var loss = gist.CalculateLoss(columns, GuideEmbeddings(batch));
            loss.backward();
            return loss.ToDouble();
        });
        var cachedLoss = new CachedGISTEmbedLoss(model, _guide, Temperature, miniBatchSize: miniBatch);
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

        // Controls: dropout really is active, and the guide really is consulted (MNR's loss on the same batch differs).
        var otherSeed = Run(model, 8, () => cachedLoss.ForwardBackward(batch));
        Assert.True(MaxGradientDifference(reference, otherSeed) > 100 * Tolerance, "dropout should change the gradients");
        var mnr = Run(model, 7, () => new CachedMultipleNegativesRankingLoss(model, scale: 1 / Temperature, miniBatchSize: miniBatch).ForwardBackward(batch));
        Assert.True(Math.Abs(mnr.Loss - cached.Loss) > 100 * Tolerance, $"GIST {cached.Loss} should differ from MNR {mnr.Loss}");
    }

    [Fact]
    public void WithoutDropoutSmallMiniBatchesEqualPlainFullBatchLoss()
    {
        var model = TestModels.Tiny(seed: 5);
        model.eval();
        var batch = Batch(9, hardNegatives: true);
        var plain = Run(model, 1, () => new GISTEmbedLoss(model, _guide, Temperature).ForwardBackward(batch));
        var cached = Run(model, 1, () => new CachedGISTEmbedLoss(model, _guide, Temperature, miniBatchSize: 2).ForwardBackward(batch));
        AssertSame(plain, cached);
    }

    [Fact]
    public void TheGuideStaysFrozenAndTheModelMustNotGuideItself()
    {
        var model = TestModels.Tiny(seed: 6);
        var before = _guide.parameters().Select(p => p.data<float>().ToArray()).ToList();

        new CachedGISTEmbedLoss(model, _guide, Temperature, miniBatchSize: 4).ForwardBackward(Batch(6, hardNegatives: false));

        Assert.All(_guide.parameters(), p => Assert.Null(p.grad));
        Assert.Equal(before, _guide.parameters().Select(p => p.data<float>().ToArray()).ToList());
        Assert.Throws<ArgumentException>(() => new CachedGISTEmbedLoss(model, model));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CachedGISTEmbedLoss(model, _guide, miniBatchSize: 0));
    }

    private static string[][] Columns(List<InputExample> batch) =>
        [.. Enumerable.Range(0, batch[0].Texts.Count).Select(c => batch.Select(e => e.Texts[c]).ToArray())];

    // GISTEmbedLoss's targets: the guide's embeddings of every column, [columns, B, D_guide], without gradients.
    private static Tensor GuideEmbeddings(List<InputExample> batch)
    {
        using var noGrad = no_grad();
        return stack(Columns(batch).Select(column => _guide.Forward(column)).ToArray(), 0);
    }
}
