using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

/// <summary>
/// What the tests of the embedding losses share: random embeddings, float64 tensors of them, the gradient of a
/// reference loss written on plain arrays, by central finite differences, and the check of a loss against both.
/// </summary>
internal static class LossTestSupport
{
    public static double[][] RandomRows(Random random, int rows, int dim) =>
        [.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, dim).Select(_ => random.NextDouble() * 2 - 1).ToArray())];

    public static Tensor Leaf(double[][] rows) =>
        tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]).requires_grad_(true);

    public static double Dot(double[] x, double[] y) => x.Zip(y, (p, q) => p * q).Sum();

    public static double Cos(double[] x, double[] y) => Dot(x, y) / Math.Sqrt(Dot(x, x) * Dot(y, y));

    public static double[] Normalize(double[] x) => [.. x.Select(v => v / Math.Sqrt(Dot(x, x)))];

    /// <summary>d loss / d inputs[m][i][k] by central differences with step 1e-6.</summary>
    public static double[][][] NumericGradients(Func<double[][][], double> loss, double[][][] inputs)
    {
        const double h = 1e-6;
        var copy = inputs.Select(m => m.Select(r => r.ToArray()).ToArray()).ToArray();
        var gradients = inputs.Select(m => m.Select(r => new double[r.Length]).ToArray()).ToArray();
        for (var m = 0; m < copy.Length; m++)
        {
            for (var i = 0; i < copy[m].Length; i++)
            {
                for (var k = 0; k < copy[m][i].Length; k++)
                {
                    var x = copy[m][i][k];
                    copy[m][i][k] = x + h;
                    var up = loss(copy);
                    copy[m][i][k] = x - h;
                    var down = loss(copy);
                    copy[m][i][k] = x;
                    gradients[m][i][k] = (up - down) / (2 * h);
                }
            }
        }
        return gradients;
    }

    /// <summary>Asserts that <paramref name="actual"/> (a float64 gradient) equals <paramref name="expected"/> within <paramref name="tolerance"/>.</summary>
    public static void AssertClose(double[][] expected, Tensor actual, double tolerance, string name)
    {
        var values = actual.data<double>().ToArray();
        var dim = expected[0].Length;
        for (var i = 0; i < expected.Length; i++)
        {
            for (var k = 0; k < dim; k++)
            {
                Assert.True(Math.Abs(expected[i][k] - values[i * dim + k]) <= tolerance,
                    $"{name} gradient [{i}, {k}]: expected {expected[i][k]:R}, got {values[i * dim + k]:R}");
            }
        }
    }

    /// <summary>
    /// Computes <paramref name="loss"/> on float64 leaves of <paramref name="inputs"/> with autograd and asserts that its
    /// value equals <paramref name="reference"/>'s and every input's gradient the reference's finite-difference one.
    /// </summary>
    /// <returns>The loss value.</returns>
    public static double AssertMatchesReference(Func<Tensor[], Tensor> loss, Func<double[][][], double> reference, double[][][] inputs,
        double valueTolerance, double gradientTolerance)
    {
        using var scope = NewDisposeScope();
        Tensor[] leaves = [.. inputs.Select(Leaf)];
        var value = loss(leaves);
        value.backward();

        Assert.Equal(reference(inputs), value.ToDouble(), valueTolerance);
        var expected = NumericGradients(reference, inputs);
        for (var m = 0; m < inputs.Length; m++)
        {
            AssertClose(expected[m], leaves[m].grad!, gradientTolerance, $"input {m}");
        }
        return value.ToDouble();
    }
}
