using NotebookSupport.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

public sealed class InBatchCrossEntropyTests
{
    [Fact]
    public void MatchesFloat64ReferenceWithHardNegativeColumns()
    {
        // Row i should peak at column i: loss = mean_i (logsumexp_j s_ij - s_ii); columns 3 and 4 are hard negatives.
        double[,] s = { { 2.0, -1.0, 0.5, 0.3, -2.0 }, { 0.1, 1.5, -0.4, 1.2, 0.0 }, { -0.3, 0.8, 0.9, 2.5, 0.2 } };
        var expected = 0.0;
        for (var i = 0; i < 3; i++)
        {
            var logSumExp = Math.Log(Enumerable.Range(0, 5).Sum(j => Math.Exp(s[i, j])));
            expected += (logSumExp - s[i, i]) / 3;
        }
        using var scope = NewDisposeScope();
        var scores = tensor(Enumerable.Range(0, 15).Select(k => s[k / 5, k % 5]).ToArray(), [3, 5]);
        Assert.Equal(expected, InBatchCrossEntropy.Compute(scores).ToDouble(), 1e-12);
        Assert.Equal(new long[] { 0, 1, 2 }, InBatchCrossEntropy.Labels(3).data<long>().ToArray());
    }

    [Fact]
    public void FewerColumnsThanRowsNameTheArgument()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => InBatchCrossEntropy.Compute(zeros(3, 2)));
        Assert.Equal("scores", ex.ParamName);
        Assert.Contains("[3, 2]", ex.Message);
    }
}
