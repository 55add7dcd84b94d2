using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tests.Training;
using TorchSharp;
using static NotebookSupport.Tests.Losses.GradCacheChecks;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

[Collection(RunsAlone.Name)]
public sealed class CachedMultipleNegativesRankingLossTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WithDropoutAndOneMiniBatchCachedEqualsPlainLoss(bool hardNegatives)
    {
        var model = TestModels.Tiny(seed: 3);
        model.train();
        var batch = Batch(8, hardNegatives);
        // Plain MNR over one forward pass per column, the order in which the cached loss draws its dropout masks
        // (MultipleNegativesRankingLoss itself sends the columns through the encoder together).
        var plain = Run(model, 42, () =>
        {
            using var scope = NewDisposeScope();
            var columns = Enumerable.Range(0, batch[0].Texts.Count).Select(c => model.Forward(batch.Select(e => e.Texts[c]).ToArray())).ToArray();
            var loss = new MultipleNegativesRankingLoss(model).CalculateLoss(columns[0], columns[1], columns[2..]);
            loss.backward();
            return loss.ToDouble();
        });
        var cached = Run(model, 42, () => new CachedMultipleNegativesRankingLoss(model, miniBatchSize: 8).ForwardBackward(batch));
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
        // The reference: an ordinary autograd graph over the same mini-batch forwards (same dropout draws), then
        // plain MNR on the concatenated embeddings.
        var reference = Run(model, 7, () =>
        {
            using var scope = NewDisposeScope();
            var columns = Enumerable.Range(0, batch[0].Texts.Count)
                .Select(c => cat(batch.Select(e => e.Texts[c]).Chunk(miniBatch).Select(chunk => model.Forward(chunk)).ToArray(), 0))
                .ToArray();
            var loss = new MultipleNegativesRankingLoss(model).CalculateLoss(columns[0], columns[1], columns[2..]);
            loss.backward();
            return loss.ToDouble();
        });
        var cachedLoss = new CachedMultipleNegativesRankingLoss(model, miniBatchSize: miniBatch);
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
        var plain = Run(model, 1, () => new MultipleNegativesRankingLoss(model).ForwardBackward(batch));
        var cached = Run(model, 1, () => new CachedMultipleNegativesRankingLoss(model, miniBatchSize: 2).ForwardBackward(batch));
        AssertSame(plain, cached);
    }
}
