using NotebookSupport.Models;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Models;

/// <summary>
/// <see cref="FastDropout"/> against the definition of dropout (drop rate, scaling, independence) and the attention
/// with dropout against libtorch's scaled_dot_product_attention.
/// </summary>
// Seeds and reads torch's global generator, which parallel test classes (training, resume checks) draw from too.
[Collection(NotebookSupport.Tests.Training.RunsAlone.Name)]
public sealed class FastDropoutTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void DropsAtRatePAndScalesTheRestByOneOverOneMinusP(double p)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var x = rand(4_000_000) + 1;  // no zeros of its own
        var y = FastDropout.Apply(x, p, training: true);
        double dropped = y.eq(0).to(ScalarType.Float64).mean().item<double>();
        // The standard deviation of the rate over 4M elements is at most 2.5e-4.
        Assert.InRange(dropped, p - 0.0015, p + 0.0015);
        var kept = y.ne(0);
        var expected = x.masked_select(kept) / (1 - p);
        Assert.True((y.masked_select(kept) - expected).abs().max().item<float>() <= 1e-6f * 2 / (1 - p));
    }

    [Fact]
    public void TheFourMasksCutFromOneRandomDrawAreIndependent()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        const long n = 1_000_000;
        // Element i of each quarter comes from the same 62-bit draw (bits 0-14, 15-29, 30-44, 45-59).
        var dropped = FastDropout.KeepMask([4 * n], 0.5, CPU).logical_not().reshape(4, n).to(ScalarType.Float64);
        for (int a = 0; a < 4; a++)
        {
            for (int b = a + 1; b < 4; b++)
            {
                double both = (dropped[a] * dropped[b]).mean().item<double>();
                Assert.InRange(both, 0.25 - 0.003, 0.25 + 0.003);
            }
        }
    }

    [Fact]
    public void OutsideTrainingOrAtZeroItIsTheIdentity()
    {
        using var scope = NewDisposeScope();
        var x = randn(1000);
        Assert.True(Same(FastDropout.Apply(x, 0.1, training: false), x));
        Assert.True(Same(FastDropout.Apply(x, 0.0, training: true), x));
        Assert.Throws<ArgumentOutOfRangeException>(() => FastDropout.Apply(x, 1.0, training: true));
    }

    [Fact]
    public void TheSeedMakesTheMaskReproducible()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var first = FastDropout.KeepMask([10_000], 0.1, CPU);
        manual_seed(3);
        var again = FastDropout.KeepMask([10_000], 0.1, CPU);
        manual_seed(4);
        var other = FastDropout.KeepMask([10_000], 0.1, CPU);
        Assert.True(Same(first, again));
        Assert.False(Same(first, other));
    }

    [Fact]
    public void GradientIsTheMaskTimesTheScale()
    {
        using var scope = NewDisposeScope();
        var x = randn(10_000).requires_grad_();
        var y = FastDropout.Apply(x, 0.2, training: true);
        y.sum().backward();
        var expected = y.ne(0).to(ScalarType.Float32) / 0.8;
        Assert.True((x.grad! - expected).abs().max().item<float>() <= 1e-6f);
    }

    [Fact]
    public void AttentionWithNegligibleDropoutEqualsScaledDotProductAttention()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var q = randn(3, 4, 7, 8);
        var k = randn(3, 4, 7, 8);
        var v = randn(3, 4, 7, 8);
        var keyMask = ones(3, 1, 1, 7, dtype: ScalarType.Bool);
        keyMask[1, .., .., 5..] = false;
        keyMask[2, .., .., 2..] = false;
        var expected = nn.functional.scaled_dot_product_attention(q, k, v, keyMask);
        // p below 1/65536 rounds to a threshold of 0: nothing is dropped and the scale is 1 + 1e-9.
        var actual = AttentionMath(q, k, v, keyMask);
        Assert.True((actual - expected).abs().max().item<float>() <= 1e-5f);
        var bf16 = AttentionMath(q.to(ScalarType.BFloat16), k.to(ScalarType.BFloat16), v.to(ScalarType.BFloat16), keyMask);
        Assert.Equal(ScalarType.BFloat16, bf16.dtype);
        Assert.True((bf16.to(ScalarType.Float32) - expected).abs().max().item<float>() <= 0.05f);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static Tensor AttentionMath(Tensor q, Tensor k, Tensor v, Tensor keyMask) =>
        BertSelfAttention.AttentionWithDropout(q, k, v, keyMask, 1e-9);
}
