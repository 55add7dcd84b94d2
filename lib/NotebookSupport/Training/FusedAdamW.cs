using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using NotebookSupport.Hub;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019) with exactly PyTorch's <c>torch.optim.AdamW</c> update, done in one fused,
/// vectorised pass per parameter on the CPU instead of the seven tensor operations (and temporaries) of the
/// per-parameter implementation. Sentence-transformer models are half word embeddings, so the optimizer step reads
/// and writes every one of their ~23 M floats each step: fusing makes it several times cheaper (bench/RESULTS.md). <c>Fit</c> uses it by
/// default (see <see cref="FitOptions.Optimizer"/>).
/// </summary>
/// <remarks>
/// <para>
/// Per parameter, with gradient g and the parameter's own step count t: <c>p *= 1 - lr * wd; m = b1 m + (1 - b1) g;
/// v = b2 v + (1 - b2) g^2; p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>. Parameters without a
/// gradient are skipped and their step count stays, as PyTorch does. Float32 contiguous CPU parameters only (the
/// master weights of mixed precision are float32); <see cref="Supports"/> tells.
/// </para>
/// <para>
/// <see cref="SaveState"/> writes the state as a safetensors file, the layout of PyTorch's
/// <c>optimizer.state_dict()["state"]</c> with the parameter's index in the optimizer as key:
/// <c>state.{i}.exp_avg</c> and <c>state.{i}.exp_avg_sq</c> (F32, the parameter's shape) and <c>state.{i}.step</c>
/// (I64, shape [1]) for every parameter that has taken a step, plus <c>step_count</c> (I64, shape [1], calls of
/// <see cref="Step"/>). The learning rate is not state: the schedule sets it. <see cref="LoadState"/> restores it
/// into an optimizer built over the same parameters in the same order, so training continues bit for bit.
/// </para>
/// <code>
/// var optimizer = new FusedAdamW(FusedAdamW.DefaultGroups(model, weightDecay: 0.01), lr: 2e-5);
/// loss.backward(); optimizer.Step(); optimizer.ZeroGrad();
/// </code>
/// </remarks>
public sealed class FusedAdamW
{
    private readonly ParameterState[] state;
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
        ArgumentNullException.ThrowIfNull(parameters);
        state = parameters.Select(p =>
        {
            if (!Supports(p.Parameter))
                throw new ArgumentException($"FusedAdamW needs contiguous float32 CPU parameters; got {p.Parameter.dtype} on {p.Parameter.device}. Use torch's AdamW (OptimizerFactory.AdamW) for other parameters.", nameof(parameters));
            return new ParameterState(p.Parameter, p.WeightDecay, new float[p.Parameter.numel()], new float[p.Parameter.numel()]);
        }).ToArray();
        LearningRate = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /// <summary>The learning rate of the next <see cref="Step"/>.</summary>
    public double LearningRate { get; set; }

    /// <summary>Calls of <see cref="Step"/> so far (each parameter also counts its own steps, as PyTorch's <c>state['step']</c>).</summary>
    public int StepCount { get; private set; }

    /// <summary>True when <see cref="FusedAdamW"/> can update <paramref name="parameter"/>: float32, contiguous, on the CPU.</summary>
    public static bool Supports(Tensor parameter) =>
        parameter.dtype == ScalarType.Float32 && parameter.device_type == DeviceType.CPU && parameter.is_contiguous();

    /// <summary>
    /// sentence-transformers' parameter groups: weight decay on every trainable parameter except biases and LayerNorm
    /// weights (<see cref="OptimizerFactory.UsesWeightDecay"/>).
    /// </summary>
    public static IEnumerable<(Parameter, double)> DefaultGroups(nn.Module module, double weightDecay = 0.01) =>
        DefaultGroups(module.named_parameters(), weightDecay);

    /// <summary>The same groups over named parameters (e.g. a model's and its losses'); a parameter listed twice is kept once.</summary>
    public static IEnumerable<(Parameter, double)> DefaultGroups(IEnumerable<(string Name, Parameter Parameter)> namedParameters, double weightDecay = 0.01)
    {
        ArgumentNullException.ThrowIfNull(namedParameters);
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (name, parameter) in namedParameters)
        {
            if (parameter.requires_grad && seen.Add(parameter))
            {
                yield return (parameter, OptimizerFactory.UsesWeightDecay(name) ? weightDecay : 0.0);
            }
        }
    }

    /// <summary>Applies one update with the current gradients.</summary>
    public void Step()
    {
        StepCount++;
        double lr = LearningRate;
        using var noGrad = no_grad();
        foreach (var s in state)
        {
            using var grad = s.Parameter.grad;
            if (grad is null) continue;
            using var g = grad.contiguous();
            s.Step++;
            var stepSize = (float)(lr / (1 - Math.Pow(beta1, s.Step)));
            var invSqrtBc2 = (float)(1 / Math.Sqrt(1 - Math.Pow(beta2, s.Step)));
            var coefficients = new Coefficients((float)(1 - lr * s.WeightDecay), (float)beta1, (float)beta2, (float)eps, stepSize, invSqrtBc2);
            Update(s.Parameter, g, s.ExpAvg, s.ExpAvgSq, coefficients);
        }
    }

    /// <summary>Sets every gradient to none, as <c>zero_grad(set_to_none=True)</c>.</summary>
    public void ZeroGrad()
    {
        foreach (var s in state)
        {
            using var grad = s.Parameter.grad;
            if (grad is not null) s.Parameter.grad = null;
        }
    }

    /// <summary>Writes the moments and step counts as a safetensors file (layout in the class remarks).</summary>
    public void SaveState(string path)
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor> { ["step_count"] = tensor(new long[] { StepCount }) };
        for (var i = 0; i < state.Length; i++)
        {
            var s = state[i];
            if (s.Step == 0) continue;
            tensors[$"state.{i}.exp_avg"] = tensor(s.ExpAvg, s.Parameter.shape);
            tensors[$"state.{i}.exp_avg_sq"] = tensor(s.ExpAvgSq, s.Parameter.shape);
            tensors[$"state.{i}.step"] = tensor(new long[] { s.Step });
        }
        var metadata = new Dictionary<string, string>
        {
            ["optimizer"] = nameof(FusedAdamW),
            ["parameters"] = state.Length.ToString(CultureInfo.InvariantCulture),
            ["betas"] = FormattableString.Invariant($"{beta1:R},{beta2:R}"),
            ["eps"] = eps.ToString("R", CultureInfo.InvariantCulture),
        };
        // Flushed to disk and renamed into place: a checkpoint is only as durable as its optimizer state.
        DurableFile.Write(path, stream => SafeTensors.Save(tensors, stream, metadata));
    }

    /// <summary>
    /// Restores what <see cref="SaveState"/> wrote into this optimizer, which must have been built over the same
    /// parameters in the same order.
    /// </summary>
    /// <exception cref="InvalidDataException">The file does not fit these parameters; the message names the file and the entry.</exception>
    public void LoadState(string path)
    {
        var tensors = SafeTensors.Load(path);
        try
        {
            var expected = new HashSet<string>(StringComparer.Ordinal) { "step_count" };
            StepCount = (int)Scalar(tensors, "step_count", path);
            for (var i = 0; i < state.Length; i++)
            {
                var s = state[i];
                var prefix = $"state.{i}.";
                if (!tensors.ContainsKey(prefix + "step"))
                {
                    s.Step = 0;
                    Array.Clear(s.ExpAvg);
                    Array.Clear(s.ExpAvgSq);
                    continue;
                }
                expected.UnionWith([prefix + "step", prefix + "exp_avg", prefix + "exp_avg_sq"]);
                s.Step = Scalar(tensors, prefix + "step", path);
                Moment(tensors, prefix + "exp_avg", s, path).data<float>().CopyTo(s.ExpAvg);
                Moment(tensors, prefix + "exp_avg_sq", s, path).data<float>().CopyTo(s.ExpAvgSq);
            }
            if (tensors.Keys.FirstOrDefault(k => !expected.Contains(k)) is { } extra)
            {
                throw new InvalidDataException($"{path}: entry '{extra}' does not belong to an optimizer over {state.Length} parameters; was it saved for another model?");
            }
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private static long Scalar(Dictionary<string, Tensor> tensors, string key, string path)
    {
        if (!tensors.TryGetValue(key, out var t))
            throw new InvalidDataException($"{path}: entry '{key}' is missing; not a FusedAdamW state file.");
        if (t.dtype != ScalarType.Int64 || t.numel() != 1)
            throw new InvalidDataException($"{path}: entry '{key}' should be one I64 value, found {t.dtype} of shape [{string.Join(", ", t.shape)}].");
        return t.item<long>();
    }

    private static Tensor Moment(Dictionary<string, Tensor> tensors, string key, ParameterState s, string path)
    {
        if (!tensors.TryGetValue(key, out var t))
            throw new InvalidDataException($"{path}: entry '{key}' is missing.");
        if (t.dtype != ScalarType.Float32 || !t.shape.SequenceEqual(s.Parameter.shape))
            throw new InvalidDataException($"{path}: entry '{key}' is {t.dtype} [{string.Join(", ", t.shape)}], but the parameter is Float32 [{string.Join(", ", s.Parameter.shape)}]; was it saved for another model?");
        return t;
    }

    private sealed class ParameterState(Parameter parameter, double weightDecay, float[] expAvg, float[] expAvgSq)
    {
        public Parameter Parameter { get; } = parameter;
        public double WeightDecay { get; } = weightDecay;
        public float[] ExpAvg { get; } = expAvg;
        public float[] ExpAvgSq { get; } = expAvgSq;
        public long Step { get; set; }
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
