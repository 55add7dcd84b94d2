using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Models;

/// <summary>
/// Dropout whose random mask costs a quarter of a random number per element instead of two: libtorch 2.x draws every
/// element of <c>dropout</c>/<c>bernoulli_</c> on the CPU one after the other from a double, which made mask drawing
/// about a seventh of a MiniLM training step. Here each 62-bit draw (<c>random_</c>, the same seeded generator) is
/// cut into four 15-bit uniforms, compared with the vectorised kernels.
/// </summary>
/// <remarks>
/// An element is dropped with probability <c>round(p * 32768) / 32768</c>, within 1.6e-5 of <c>p</c>, and the kept
/// ones are scaled by <c>1 / (1 - p)</c>, as <c>torch.nn.functional.dropout</c> does. <c>torch.manual_seed</c> makes
/// the masks reproducible.
/// </remarks>
internal static class FastDropout
{
    private const int Resolution = 1 << 15;
    private const double TwoPow62 = 4611686018427387904.0;

    /// <summary><paramref name="input"/> with elements zeroed at rate <paramref name="p"/> and the rest scaled, in training; itself otherwise.</summary>
    public static Tensor Apply(Tensor input, double p, bool training)
    {
        if (!training || p == 0)
        {
            return input.alias();
        }

        if (p is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "Dropout probability must be in [0, 1).");
        }

        using var scope = NewDisposeScope();
        using var keep = KeepMask(input.shape, p, input.device);
        using var kept = keep.to(input.dtype);
        using var scale = (1.0 / (1.0 - p)).ToScalar();
        return input.mul(kept).mul_(scale).MoveToOuterDisposeScope();
    }

    /// <summary>A <c>bool</c> tensor of <paramref name="shape"/>, true with probability <c>1 - p</c> (to 1/32768).</summary>
    public static Tensor KeepMask(long[] shape, double p, Device device)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        long draws = (count + 3) / 4;
        using var threshold = ((long)Math.Round(p * Resolution)).ToScalar();
        using var scope = NewDisposeScope();
        var bits = empty(draws, dtype: ScalarType.Int64, device: device).random_(0, TwoPow62);
        var slices = new Tensor[4];
        for (int k = 0; k < 4; k++)
        {
            slices[k] = bits.bitwise_right_shift(15 * k).bitwise_and_(Resolution - 1).ge(threshold);
        }

        return cat(slices, 0).narrow(0, 0, count).reshape(shape).MoveToOuterDisposeScope();
    }
}
