using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Tests.Training;
using NotebookSupport.Util;
using TorchSharp;
using static NotebookSupport.Tests.Losses.LossTestSupport;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

public sealed class MatryoshkaLossTests
{
    private static readonly NotebookSupport.Models.SentenceTransformer _model = TestModels.Tiny(dropout: 0);

    [Fact]
    public void CoSENTAtEachDimensionIsSummedWithItsWeight()
    {
        int[] dims = [4, 8, 2];
        double[] weights = [0.5, 1.0, 2.0];
        double[] scores = [0.3, 0.9, 0.1, 0.6];
        var random = new Random(12);
        var (u, v) = (RandomRows(random, scores.Length, 8), RandomRows(random, scores.Length, 8));
        // The cosine of the first d values of each vector, weighted.
        double Reference(double[][][] x) => dims.Select((d, k) => weights[k] * CoSENTLossTests.ReferenceLoss(
            [.. x[0].Select(r => r[..d])], [.. x[1].Select(r => r[..d])], scores, 20.0, angle: false)).Sum();
        var loss = new MatryoshkaLoss(new CoSENTLoss(_model), dims, weights);

        Assert.Equal([8, 4, 2], loss.Dimensions);
        Assert.Equal([1.0, 0.5, 2.0], loss.Weights);
        AssertMatchesReference(x => loss.CalculateLoss(x, tensor(scores)), Reference, [u, v], valueTolerance: 1e-9, gradientTolerance: 1e-6);
    }

    [Fact]
    public void DotProductMnrSeesTheTruncatedVectorsNormalised()
    {
        int[] dims = [6, 3];
        var random = new Random(13);
        var (a, p, n) = (RandomRows(random, 4, 6), RandomRows(random, 4, 6), RandomRows(random, 4, 6));
        double Reference(double[][][] x) => dims.Sum(d =>
        {
            double[][] Shrunk(double[][] rows) => [.. rows.Select(r => Normalize(r[..d]))];
            return RankingLossReference.Compute(Shrunk(x[0]), [.. Shrunk(x[1]), .. Shrunk(x[2])], 1.0, cosine: false).Loss;
        });
        var loss = new MatryoshkaLoss(new MultipleNegativesRankingLoss(_model, 1.0, SimilarityFunction.DotProduct), dims);

        AssertMatchesReference(x => loss.CalculateLoss(x, null), Reference, [a, p, n], valueTolerance: 1e-9, gradientTolerance: 1e-6);
    }

    [Fact]
    public void ForwardEncodesOnceAndEqualsTheInnerLossOnEachShrunkEmbedding()
    {
        var batch = new List<InputExample> { new("a man is eating", "a man eats food"), new("a dog runs", "a puppy is running"), new("it rains", "the weather is wet") };
        var inner = new MultipleNegativesRankingLoss(_model);
        var loss = new MatryoshkaLoss(inner, [32, 16, 8], [1.0, 0.5, 0.25]);

        using var scope = NewDisposeScope();
        var (embeddings, _) = inner.Embed(batch);
        var expected = new[] { (32, 1.0), (16, 0.5), (8, 0.25) }
            .Sum(t => t.Item2 * inner.CalculateLoss([.. embeddings.Select(e => MatryoshkaLoss.Shrink(e, t.Item1))], null).ToDouble());
        Assert.Equal(expected, loss.forward(batch).ToDouble(), 1e-6);
    }

    [Fact]
    public void BadDimensionsWeightsOrCachedLossAreRefused()
    {
        var mnr = new MultipleNegativesRankingLoss(_model);
        Assert.Equal("dimensions", Assert.Throws<ArgumentOutOfRangeException>(() => new MatryoshkaLoss(mnr, [64, 16])).ParamName);
        Assert.Equal("dimensions", Assert.Throws<ArgumentException>(() => new MatryoshkaLoss(mnr, [])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => new MatryoshkaLoss(mnr, [32, 16], [1.0])).ParamName);
        Assert.Equal("loss", Assert.Throws<ArgumentException>(() => new MatryoshkaLoss(new CachedMultipleNegativesRankingLoss(_model), [16])).ParamName);
    }
}
