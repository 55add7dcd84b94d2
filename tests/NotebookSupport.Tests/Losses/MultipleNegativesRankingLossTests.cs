using NotebookSupport.Losses;
using NotebookSupport.Tests.Training;
using NotebookSupport.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

public sealed class MultipleNegativesRankingLossTests
{
    private const int Batch = 5;
    private const int Dim = 7;
    private static readonly NotebookSupport.Models.SentenceTransformer _model = TestModels.Tiny();

    [Theory]
    [InlineData(0, 20.0, SimilarityFunction.Cosine)]
    [InlineData(1, 20.0, SimilarityFunction.Cosine)]
    [InlineData(3, 20.0, SimilarityFunction.Cosine)]
    [InlineData(0, 1.0, SimilarityFunction.DotProduct)]
    [InlineData(2, 1.0, SimilarityFunction.DotProduct)]
    public void LossAndGradientsMatchFloat64Reference(int negativeSets, double scale, SimilarityFunction similarity)
    {
        var loss = new MultipleNegativesRankingLoss(_model, scale, similarity);
        AssertMatchesReference(negativeSets, scale, similarity, symmetric: false, seed: 11 + negativeSets,
            (a, p, n) => loss.CalculateLoss(a, p, n));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void SymmetricLossAndGradientsMatchFloat64Reference(int negativeSets)
    {
        var loss = new MultipleNegativesSymmetricRankingLoss(_model);
        AssertMatchesReference(negativeSets, 20.0, SimilarityFunction.Cosine, symmetric: true, seed: 5 + negativeSets,
            (a, p, n) => loss.CalculateLoss(a, p, n));
    }

    [Fact]
    public void CachedLossMathIsTheSameFormula()
    {
        var loss = new CachedMultipleNegativesRankingLoss(_model, miniBatchSize: 2);
        AssertMatchesReference(1, 20.0, SimilarityFunction.Cosine, symmetric: false, seed: 3,
            (a, p, n) => loss.CalculateLoss(a, p, n));
    }

    [Fact]
    public void Float32LossIsCloseToFloat64Reference()
    {
        var (anchors, candidates) = RandomEmbeddings(Batch * 2, seed: 21);
        var expected = RankingLossReference.Compute(anchors, candidates, 20.0, cosine: true);
        var loss = new MultipleNegativesRankingLoss(_model);
        using var scope = NewDisposeScope();
        var a = ToTensor(anchors, ScalarType.Float32);
        var p = ToTensor(candidates[..Batch], ScalarType.Float32);
        var n = ToTensor(candidates[Batch..], ScalarType.Float32);
        Assert.Equal(expected.Loss, loss.CalculateLoss(a, p, n).ToDouble(), 1e-5);
    }

    [Fact]
    public void PerfectlySeparatedPairsGiveNearZeroLoss()
    {
        // One-hot anchors equal to their positives: cos = 1 on the diagonal, 0 elsewhere, so
        // loss = log(1 + (B - 1) e^-20) for scale 20 — a hand-computed value.
        using var scope = NewDisposeScope();
        var eye = torch.eye(4, dtype: ScalarType.Float64);
        var loss = new MultipleNegativesRankingLoss(_model).CalculateLoss(eye, eye).ToDouble();
        Assert.Equal(Math.Log(1 + 3 * Math.Exp(-20)), loss, 1e-12);
    }

    [Fact]
    public void MismatchedShapesNameTheArgument()
    {
        using var scope = NewDisposeScope();
        var loss = new MultipleNegativesRankingLoss(_model);
        var ex = Assert.Throws<ArgumentException>(() => loss.CalculateLoss(torch.zeros(4, 3), torch.zeros(4, 3), torch.zeros(3, 3)));
        Assert.Contains("negatives[0]", ex.Message);
    }

    [Fact]
    public void BadScaleOrSimilarityNameTheArgument()
    {
        Assert.Equal("scale", Assert.Throws<ArgumentOutOfRangeException>(() => new MultipleNegativesRankingLoss(_model, scale: 0)).ParamName);
        Assert.Equal("scale", Assert.Throws<ArgumentOutOfRangeException>(() => new MultipleNegativesSymmetricRankingLoss(_model, scale: -1)).ParamName);
        Assert.Equal("similarity", Assert.Throws<ArgumentOutOfRangeException>(
            () => new CachedMultipleNegativesRankingLoss(_model, similarity: (SimilarityFunction)7)).ParamName);
    }

    private static void AssertMatchesReference(int negativeSets, double scale, SimilarityFunction similarity, bool symmetric, int seed,
        Func<Tensor, Tensor, Tensor[], Tensor> calculate)
    {
        var (anchors, candidates) = RandomEmbeddings(Batch * (1 + negativeSets), seed);
        var expected = RankingLossReference.Compute(anchors, candidates, scale, similarity == SimilarityFunction.Cosine, symmetric);

        using var scope = NewDisposeScope();
        var a = ToTensor(anchors, ScalarType.Float64).requires_grad_(true);
        var sets = Enumerable.Range(0, 1 + negativeSets)
            .Select(k => ToTensor(candidates[(k * Batch)..((k + 1) * Batch)], ScalarType.Float64).requires_grad_(true))
            .ToArray();
        var value = calculate(a, sets[0], sets[1..]);
        value.backward();

        Assert.Equal(expected.Loss, value.ToDouble(), 1e-6);
        AssertClose(expected.AnchorGradients, a.grad!);
        for (var k = 0; k < sets.Length; k++)
        {
            AssertClose(expected.CandidateGradients[(k * Batch)..((k + 1) * Batch)], sets[k].grad!);
        }
    }

    private static (double[][] Anchors, double[][] Candidates) RandomEmbeddings(int candidates, int seed)
    {
        var random = new Random(seed);
        double[] Row() => Enumerable.Range(0, Dim).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        return (Enumerable.Range(0, Batch).Select(_ => Row()).ToArray(), Enumerable.Range(0, candidates).Select(_ => Row()).ToArray());
    }

    private static Tensor ToTensor(double[][] rows, ScalarType type) =>
        tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]).to_type(type);

    private static void AssertClose(double[][] expected, Tensor actual)
    {
        var values = actual.to_type(ScalarType.Float64).data<double>().ToArray();
        for (var i = 0; i < expected.Length; i++)
        {
            for (var k = 0; k < expected[i].Length; k++)
            {
                Assert.True(Math.Abs(expected[i][k] - values[i * expected[i].Length + k]) <= 1e-6,
                    $"gradient [{i}, {k}]: expected {expected[i][k]:R}, got {values[i * expected[i].Length + k]:R}");
            }
        }
    }
}
