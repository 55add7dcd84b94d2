using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

/// <summary>
/// CachedGISTEmbedLoss against GISTEmbedLoss's formula (<c>CalculateLoss</c>, checked against float64 in
/// GISTEmbedLossTests) on an ordinary graph (the base's checks), plus what is GIST's own: the guide.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class CachedGISTEmbedLossTests : GradCacheLossTests
{
    // Scale 20, as MNR's: the default 0.01 would multiply the gradients (and their float32 rounding) by five.
    private const double Temperature = 0.05;

    private static readonly SentenceTransformer _guide = TestModels.Tiny(seed: 9, dropout: 0);

    protected override EmbeddingLoss Cached(SentenceTransformer model, int miniBatchSize) => new CachedGISTEmbedLoss(model, _guide, Temperature, miniBatchSize: miniBatchSize);

    protected override EmbeddingLoss Uncached(SentenceTransformer model) => new GISTEmbedLoss(model, _guide, Temperature);

    protected override Tensor Formula(SentenceTransformer model, Tensor[] columns, List<InputExample> batch)
    {
        // The guide's embeddings of every column, [columns, B, D_guide], without gradients: GISTEmbedLoss's targets.
        Tensor guide;
        using (no_grad())
        {
            guide = stack(Columns(batch).Select(column => _guide.Forward(column)).ToArray(), 0);
        }
        return new GISTEmbedLoss(model, _guide, Temperature).CalculateLoss(columns, guide);
    }

    [Fact]
    public void TheGuideMasksCandidatesAndStaysFrozen()
    {
        var model = TestModels.Tiny(seed: 6);
        model.eval();
        var batch = Batch(10, hardNegatives: false);
        var before = _guide.parameters().Select(p => p.data<float>().ToArray()).ToList();

        var gist = Run(model, 7, () => Cached(model, miniBatchSize: 3).ForwardBackward(batch));
        var mnr = Run(model, 7, () => new CachedMultipleNegativesRankingLoss(model, scale: 1 / Temperature, miniBatchSize: 3).ForwardBackward(batch));

        // The guide left candidates out of the softmax (or added the anchor-anchor and positive-positive blocks): not MNR.
        Assert.True(Math.Abs(mnr.Loss - gist.Loss) > 100 * Tolerance, $"GIST {gist.Loss} should differ from MNR {mnr.Loss}");
        Assert.All(_guide.parameters(), p => Assert.Null(p.grad));
        Assert.Equal(before, _guide.parameters().Select(p => p.data<float>().ToArray()).ToList());
        Assert.Throws<ArgumentException>(() => new CachedGISTEmbedLoss(model, model));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CachedGISTEmbedLoss(model, _guide, miniBatchSize: 0));
    }
}
