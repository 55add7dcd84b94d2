using NotebookSupport.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Training;

public sealed class FusedAdamWTests
{
    // TorchSharp's optim.AdamW is the reference: the fused update must follow it step for step, with and without
    // weight decay, through several steps (bias corrections change), on sizes that use the SIMD, tail and threaded paths.
    [Theory]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(300_001)]
    public void Matches_torch_AdamW_over_several_steps(int size)
    {
        manual_seed(3);
        using var initialDecayed = randn(size);
        using var initialPlain = randn(size);
        var fusedDecayed = new Parameter(initialDecayed.clone());
        var fusedPlain = new Parameter(initialPlain.clone());
        var torchDecayed = new Parameter(initialDecayed.clone());
        var torchPlain = new Parameter(initialPlain.clone());
        var fused = new FusedAdamW([(fusedDecayed, 0.01), (fusedPlain, 0.0)], lr: 1e-2);
        using var reference = optim.AdamW(new[]
        {
            new AdamW.ParamGroup([torchDecayed], 1e-2, 0.9, 0.999, 1e-8, 0.01, false, false),
            new AdamW.ParamGroup([torchPlain], 1e-2, 0.9, 0.999, 1e-8, 0.0, false, false),
        }, 1e-2);
        for (int step = 0; step < 5; step++)
        {
            double lr = 1e-2 * (step + 1) / 5;   // a schedule: the rate may change between steps
            fused.LearningRate = lr;
            foreach (var g in reference.ParamGroups) g.LearningRate = lr;
            using var gradDecayed = randn(size) * (step + 1);
            using var gradPlain = randn(size);
            foreach (var (p, g) in new[] { (fusedDecayed, gradDecayed), (torchDecayed, gradDecayed), (fusedPlain, gradPlain), (torchPlain, gradPlain) })
            {
                p.grad = g.clone();
            }
            fused.Step();
            reference.step();
        }
        Assert.Equal(5, fused.StepCount);
        AssertClose(torchDecayed, fusedDecayed);
        AssertClose(torchPlain, fusedPlain);
    }

    [Fact]
    public void Skips_parameters_without_gradient_and_ZeroGrad_clears()
    {
        var withGrad = new Parameter(ones(4));
        var without = new Parameter(ones(4));
        var fused = new FusedAdamW([(withGrad, 0.0), (without, 0.0)], lr: 0.1);
        withGrad.grad = ones(4);
        fused.Step();
        // First AdamW step moves by lr * sign(g) (m / sqrt(v) = 1 after bias correction, up to eps).
        Assert.Equal(0.9f, withGrad[0].item<float>(), 5);
        Assert.Equal(1f, without[0].item<float>());
        fused.ZeroGrad();
        Assert.Null(withGrad.grad);
    }

    [Fact]
    public void Rejects_non_float32_parameters()
    {
        var half = new Parameter(ones(4, dtype: ScalarType.BFloat16));
        var error = Assert.Throws<ArgumentException>(() => new FusedAdamW([(half, 0.0)]));
        Assert.Contains("float32", error.Message);
    }

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        double maxDiff = (expected - actual).abs().max().item<float>();
        double scale = expected.abs().max().item<float>();
        Assert.True(maxDiff <= 1e-6 * Math.Max(1, scale), $"max |difference| {maxDiff:E2} (scale {scale:F3})");
    }
}
