using System.Numerics;
using System.Runtime.InteropServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019) with exactly PyTorch's <c>torch.optim.AdamW</c> update, done in one fused,
/// vectorised pass per parameter on the CPU instead of the seven tensor operations (and temporaries) of the
/// per-parameter implementation. Sentence-transformer models are half word embeddings, so the optimizer step reads
/// and writes every one of their ~23 M floats each step: fusing makes it about 3x cheaper.
/// </summary>
/// <remarks>
/// Per parameter, with gradient g: <c>p *= 1 - lr * wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
/// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>. Parameters without a gradient are skipped, as
/// PyTorch does. Float32 contiguous CPU parameters only (the master weights of mixed precision are float32).
/// <code>
/// var optimizer = new FusedAdamW(FusedAdamW.DefaultGroups(model, weightDecay: 0.01), lr: 2e-5);
/// loss.backward(); optimizer.Step(); optimizer.ZeroGrad();
/// </code>
/// </remarks>
public sealed class FusedAdamW
{
    private readonly (Parameter Parameter, double WeightDecay, float[] ExpAvg, float[] ExpAvgSq)[] state;
    private readonly double beta1;
    private readonly double beta2;
    private readonly double eps;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameters">Each parameter with its weight decay (0 for biases and LayerNorm, as <c>fit()</c> does).</param>
    /// <param name="lr">Learning rate; change it between steps with <see cref="LearningRate"/> (schedules).</param>
    /// <param name="beta1">Decay of the first moment.</param>
    /// <param name="beta2">Decay of the second moment.</param>
    /// <param name="eps">Added to the denominator.</param>
    public FusedAdamW(IEnumerable<(Parameter Parameter, double WeightDecay)> parameters, double lr = 1e-3, double beta1 = 0.9,
        double beta2 = 0.999, double eps = 1e-8)
    {
        state = parameters.Select(p =>
        {
            if (p.Parameter.dtype != ScalarType.Float32 || p.Parameter.device_type != DeviceType.CPU)
                throw new ArgumentException($"FusedAdamW needs float32 CPU parameters; got {p.Parameter.dtype} on {p.Parameter.device}.", nameof(parameters));
            return (p.Parameter, p.WeightDecay, new float[p.Parameter.numel()], new float[p.Parameter.numel()]);
        }).ToArray();
        LearningRate = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /// <summary>The learning rate of the next <see cref="Step"/>.</summary>
    public double LearningRate { get; set; }

    /// <summary>Steps taken so far (PyTorch's <c>state['step']</c>, the same for every parameter here).</summary>
    public int StepCount { get; private set; }

    /// <summary>
    /// sentence-transformers' parameter groups: weight decay on every parameter except biases and LayerNorm weights.
    /// </summary>
    public static IEnumerable<(Parameter, double)> DefaultGroups(nn.Module module, double weightDecay = 0.01) =>
        module.named_parameters().Select(p => (p.parameter,
            p.name.EndsWith(".bias", StringComparison.Ordinal) || p.name.Contains("LayerNorm.", StringComparison.Ordinal) ? 0.0 : weightDecay));

    /// <summary>Applies one update with the current gradients.</summary>
    public void Step()
    {
        StepCount++;
        double lr = LearningRate;
        float stepSize = (float)(lr / (1 - Math.Pow(beta1, StepCount)));
        float invSqrtBc2 = (float)(1 / Math.Sqrt(1 - Math.Pow(beta2, StepCount)));
        using var noGrad = no_grad();
        foreach (var (parameter, weightDecay, expAvg, expAvgSq) in state)
        {
            using var grad = parameter.grad;
            if (grad is null) continue;
            using var g = grad.contiguous();
            var coefficients = new Coefficients((float)(1 - lr * weightDecay), (float)beta1, (float)beta2, (float)eps, stepSize, invSqrtBc2);
            Update(parameter, g, expAvg, expAvgSq, coefficients);
        }
    }

    /// <summary>Sets every gradient to none, as <c>zero_grad(set_to_none=True)</c>.</summary>
    public void ZeroGrad()
    {
        foreach (var (parameter, _, _, _) in state)
        {
            using var grad = parameter.grad;
            if (grad is not null) parameter.grad = null;
        }
    }

    private readonly record struct Coefficients(float Decay, float Beta1, float Beta2, float Eps, float StepSize, float InvSqrtBc2);

    private static void Update(Parameter parameter, Tensor grad, float[] expAvg, float[] expAvgSq, Coefficients c)
    {
        int n = expAvg.Length;
        // Large tensors are split across the same number of threads libtorch uses.
        int parts = n >= 1 << 18 ? Math.Max(1, torch.get_num_threads()) : 1;
        var p = parameter.bytes;
        var g = grad.bytes;
        unsafe
        {
            fixed (byte* pp = p, gp = g)
            {
                float* pf = (float*)pp, gf = (float*)gp;
                if (parts == 1) Range(pf, gf, expAvg, expAvgSq, 0, n, c);
                else
                {
                    nint pAddr = (nint)pf, gAddr = (nint)gf;
                    Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
                    {
                        int chunk = (n + parts - 1) / parts;
                        int start = part * chunk, end = Math.Min(n, start + chunk);
                        Range((float*)pAddr, (float*)gAddr, expAvg, expAvgSq, start, end, c);
                    });
                }
            }
        }
    }

    private static unsafe void Range(float* param, float* grad, float[] expAvg, float[] expAvgSq, int start, int end, Coefficients c)
    {
        var ps = new Span<float>(param + start, end - start);
        var gs = new ReadOnlySpan<float>(grad + start, end - start);
        var ms = expAvg.AsSpan(start, end - start);
        var vs = expAvgSq.AsSpan(start, end - start);
        int width = Vector<float>.Count, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var pv = MemoryMarshal.Cast<float, Vector<float>>(ps);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(gs);
            var mv = MemoryMarshal.Cast<float, Vector<float>>(ms);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(vs);
            var decay = new Vector<float>(c.Decay);
            var b1 = new Vector<float>(c.Beta1);
            var b1c = new Vector<float>(1 - c.Beta1);
            var b2 = new Vector<float>(c.Beta2);
            var b2c = new Vector<float>(1 - c.Beta2);
            var eps = new Vector<float>(c.Eps);
            var stepSize = new Vector<float>(c.StepSize);
            var invSqrtBc2 = new Vector<float>(c.InvSqrtBc2);
            for (int k = 0; k < pv.Length; k++)
            {
                var gk = gv[k];
                var m = b1 * mv[k] + b1c * gk;
                var v = b2 * vv[k] + b2c * gk * gk;
                mv[k] = m;
                vv[k] = v;
                pv[k] = pv[k] * decay - stepSize * m / (Vector.SquareRoot(v) * invSqrtBc2 + eps);
            }
            i = pv.Length * width;
        }
        for (; i < ps.Length; i++)
        {
            float gk = gs[i];
            float m = c.Beta1 * ms[i] + (1 - c.Beta1) * gk;
            float v = c.Beta2 * vs[i] + (1 - c.Beta2) * gk * gk;
            ms[i] = m;
            vs[i] = v;
            ps[i] = ps[i] * c.Decay - c.StepSize * m / (MathF.Sqrt(v) * c.InvSqrtBc2 + c.Eps);
        }
    }
}
