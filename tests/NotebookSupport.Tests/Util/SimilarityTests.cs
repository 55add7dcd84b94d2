using NotebookSupport.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Util;

public sealed class SimilarityTests
{
    private const int Dim = 5;

    [Fact]
    public void MatricesMatchFloat64Reference()
    {
        var (a, b) = (Rows(4, seed: 1), Rows(3, seed: 2));
        using var scope = NewDisposeScope();
        var cos = Similarity.CosSim(ToTensor(a), ToTensor(b));
        var dot = Similarity.DotScore(ToTensor(a), ToTensor(b));

        Assert.Equal(new long[] { 4, 3 }, cos.shape);
        Assert.Equal(new long[] { 4, 3 }, dot.shape);
        for (var i = 0; i < a.Length; i++)
        {
            for (var j = 0; j < b.Length; j++)
            {
                Assert.Equal(Cosine(a[i], b[j]), cos[i, j].ToDouble(), 1e-12);
                Assert.Equal(Dot(a[i], b[j]), dot[i, j].ToDouble(), 1e-12);
            }
        }
    }

    [Fact]
    public void PairwiseMatchesFloat64Reference()
    {
        var (a, b) = (Rows(4, seed: 3), Rows(4, seed: 4));
        using var scope = NewDisposeScope();
        var (cos, dot) = (Similarity.PairwiseCosSim(ToTensor(a), ToTensor(b)), Similarity.PairwiseDotScore(ToTensor(a), ToTensor(b)));

        Assert.Equal(new long[] { 4 }, cos.shape);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(Cosine(a[i], b[i]), cos[i].ToDouble(), 1e-12);
            Assert.Equal(Dot(a[i], b[i]), dot[i].ToDouble(), 1e-12);
        }
    }

    [Fact]
    public void ComputeDispatchesOnTheSimilarityFunction()
    {
        var (a, b) = (Rows(2, seed: 5), Rows(3, seed: 6));
        using var scope = NewDisposeScope();
        Assert.Equal(Cosine(a[1], b[2]), Similarity.Compute(SimilarityFunction.Cosine, ToTensor(a), ToTensor(b))[1, 2].ToDouble(), 1e-12);
        Assert.Equal(Dot(a[1], b[2]), Similarity.Compute(SimilarityFunction.DotProduct, ToTensor(a), ToTensor(b))[1, 2].ToDouble(), 1e-12);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Similarity.Compute((SimilarityFunction)7, ToTensor(a), ToTensor(b)));
        Assert.Equal("function", ex.ParamName);
    }

    [Fact]
    public void AZeroVectorScoresZeroAndASingleVectorIsOneRow()
    {
        using var scope = NewDisposeScope();
        var cos = Similarity.CosSim(zeros(Dim, dtype: ScalarType.Float64), ToTensor(Rows(2, seed: 7)));
        Assert.Equal(new long[] { 1, 2 }, cos.shape);
        Assert.Equal(new double[] { 0, 0 }, cos.data<double>().ToArray());
    }

    [Fact]
    public void BadShapesNameTheArgument()
    {
        using var scope = NewDisposeScope();
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Similarity.CosSim(zeros(2, 3), zeros(2, 4))).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => Similarity.DotScore(zeros(2, 3, 4), zeros(2, 4))).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Similarity.PairwiseCosSim(zeros(2, 3), zeros(3, 3))).ParamName);
        var ragged = Assert.Throws<ArgumentException>(() => Similarity.CosSim([[1f, 2f]], [[1f, 2f], [3f]]));
        Assert.Equal("b", ragged.ParamName);
        Assert.Contains("Row 1 of b has 1 values; expected 2", ragged.Message);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => Similarity.PairwiseCosSim([[1f, 2f]], [[1f, 2f], [3f, 4f]])).ParamName);
    }

    [Fact]
    public void ArraysArePairedInFloat64()
    {
        var cosine = Similarity.PairwiseCosSim([[1f, 0f], [1f, 2f], [0f, 0f]], [[1f, 1f], [-2f, -4f], [1f, 0f]]);
        Assert.Equal(3, cosine.Length);
        Assert.Equal(Math.Sqrt(0.5), cosine[0], 12);
        Assert.Equal(-1.0, cosine[1], 12);
        Assert.Equal(0.0, cosine[2]);
    }

    [Fact]
    public void ArrayMatrixIsTheFloat64CosineRoundedToFloat()
    {
        var (a, b) = (Rows(3, seed: 8), Rows(4, seed: 9));
        float[][] Floats(double[][] rows) => [.. rows.Select(r => r.Select(x => (float)x).ToArray())];
        var (fa, fb) = (Floats(a), Floats(b));
        var matrix = Similarity.CosSim(fa, fb);

        Assert.Equal(3, matrix.Length);
        for (var i = 0; i < fa.Length; i++)
        {
            Assert.Equal(4, matrix[i].Length);
            for (var j = 0; j < fb.Length; j++)
            {
                var expected = Cosine([.. fa[i].Select(x => (double)x)], [.. fb[j].Select(x => (double)x)]);
                Assert.Equal(expected, matrix[i][j], 1e-7);
            }
        }
        Assert.Empty(Similarity.CosSim([], fb));
        var noColumns = Similarity.CosSim(fa, []);
        Assert.Equal(3, noColumns.Length);
        Assert.All(noColumns, row => Assert.Empty(row));
    }

    private static double Dot(double[] x, double[] y) => x.Zip(y, (p, q) => p * q).Sum();

    private static double Cosine(double[] x, double[] y) => Dot(x, y) / Math.Sqrt(Dot(x, x) * Dot(y, y));

    private static double[][] Rows(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, Dim).Select(_ => random.NextDouble() * 2 - 1).ToArray())];
    }

    private static Tensor ToTensor(double[][] rows) => tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
}
