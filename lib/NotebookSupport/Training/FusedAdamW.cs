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
/// A TorchSharp optimizer like <c>optim.AdamW</c>: the same parameter groups (<see cref="AdamW.ParamGroup"/>, each
/// with its learning rate, betas, epsilon and weight decay), the same per-parameter state (<see cref="AdamW.State"/>),
/// <c>step()</c>, <c>zero_grad()</c> and <c>ParamGroups</c>, so schedules and checkpoints treat both alike.
/// Per parameter, with gradient g and the parameter's own step count t: <c>p *= 1 - lr * wd; m = b1 m + (1 - b1) g;
/// v = b2 v + (1 - b2) g^2; p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)</c>. Parameters without a
/// gradient are skipped and their step count stays, as PyTorch does; <c>zero_grad()</c> sets gradients to none, as
/// PyTorch's <c>zero_grad(set_to_none=True)</c>. Float32 contiguous CPU parameters only (the master weights of mixed
/// precision are float32), without AMSGrad or maximize; <see cref="Supports"/> tells.
/// </para>
/// <para>
/// <see cref="SaveState"/> writes the state as a safetensors file, the layout of PyTorch's
/// <c>optimizer.state_dict()["state"]</c> with the parameter's index in the optimizer (group by group) as key:
/// <c>state.{i}.exp_avg</c> and <c>state.{i}.exp_avg_sq</c> (F32, the parameter's shape) and <c>state.{i}.step</c>
/// (I64, shape [1]) for every parameter that has taken a step, plus <c>step_count</c> (I64, shape [1], calls of
/// <c>step()</c>) and <c>param_group_sizes</c> (I64, the parameter count of each group). The learning rate is not
/// state: the schedule sets it. <see cref="LoadState"/> restores it into an optimizer built over the same parameter
/// groups, so training continues bit for bit.
/// </para>
/// <code>
/// var optimizer = new FusedAdamW(OptimizerFactory.ParameterGroups(model.named_parameters(), learningRate: 2e-5, weightDecay: 0.01));
/// loss.backward(); optimizer.step(); optimizer.zero_grad();
/// </code>
/// </remarks>
public sealed class FusedAdamW : OptimizerHelper
{
    /// <summary>Creates the optimizer over one group of parameters.</summary>
    /// <param name="parameters">The parameters to update.</param>
    /// <param name="lr">Learning rate; schedules change it through <c>ParamGroups</c>.</param>
    /// <param name="beta1">Decay of the first moment.</param>
    /// <param name="beta2">Decay of the second moment.</param>
    /// <param name="eps">Added to the denominator.</param>
    /// <param name="weight_decay">Decoupled weight decay.</param>
    public FusedAdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0)
        : this([new AdamW.ParamGroup { Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters)) }], lr, beta1, beta2, eps, weight_decay)
    {
    }

    /// <summary>Creates the optimizer over parameter groups; what a group leaves unset comes from the other arguments.</summary>
    /// <param name="parameters">The groups, e.g. <see cref="OptimizerFactory.ParameterGroups"/> (weight decay on all but biases and LayerNorm, as <c>fit()</c> does).</param>
    /// <param name="lr">Learning rate; schedules change it through <c>ParamGroups</c>.</param>
    /// <param name="beta1">Decay of the first moment.</param>
    /// <param name="beta2">Decay of the second moment.</param>
    /// <param name="eps">Added to the denominator.</param>
    /// <param name="weight_decay">Decoupled weight decay.</param>
    public FusedAdamW(IEnumerable<AdamW.ParamGroup> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weight_decay = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(lr);
        ArgumentOutOfRangeException.ThrowIfNegative(eps);
        ArgumentOutOfRangeException.ThrowIfNegative(weight_decay);
        if (beta1 is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Expected 0 <= beta1 < 1.");
        }

        if (beta2 is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Expected 0 <= beta2 < 1.");
        }

        _defaults = new AdamW.Options
        {
            LearningRate = lr,
            InitialLearningRate = lr,
            beta1 = beta1,
            beta2 = beta2,
            eps = eps,
            weight_decay = weight_decay,
            amsgrad = false,
            maximize = false,
        };
        _parameter_groups = [];
        foreach (var group in parameters)
        {
            add_param_group(group);
        }
    }

    /// <summary>Calls of <c>step()</c> so far (each parameter also counts its own steps, as PyTorch's <c>state['step']</c>).</summary>
    public int StepCount { get; private set; }

    /// <summary>True when <see cref="FusedAdamW"/> can update <paramref name="parameter"/>: float32, contiguous, on the CPU.</summary>
    public static bool Supports(Tensor parameter) =>
        parameter.dtype == ScalarType.Float32 && parameter.device_type == DeviceType.CPU && parameter.is_contiguous();

    /// <summary>Adds a group of parameters, taking the options it leaves unset from the constructor's.</summary>
    /// <exception cref="ArgumentException">
    /// A parameter is not a contiguous float32 CPU tensor or is already in a group, or the group asks for AMSGrad or maximize.
    /// </exception>
    public override void add_param_group(ParamGroup param_group)
    {
        ArgumentNullException.ThrowIfNull(param_group);
        var defaults = (AdamW.Options)_defaults;
        var options = param_group.Options as AdamW.Options ?? new AdamW.Options();
        param_group.Options = options;
        options.LearningRate ??= defaults.LearningRate;
        options.beta1 ??= defaults.beta1;
        options.beta2 ??= defaults.beta2;
        options.eps ??= defaults.eps;
        options.weight_decay ??= defaults.weight_decay;
        options.amsgrad ??= false;
        options.maximize ??= false;
        options.InitialLearningRate = options.LearningRate!.Value;
        if (options.amsgrad.Value || options.maximize.Value)
        {
            throw new ArgumentException("FusedAdamW does not implement AMSGrad or maximize; use torch's AdamW (OptimizerKind.TorchAdamW).", nameof(param_group));
        }
        // Enumerated once: step() and the state file rely on a fixed order.
        var parameters = param_group.Parameters.ToList();
        if (parameters.FirstOrDefault(p => !Supports(p)) is { } unsupported)
        {
            throw new ArgumentException($"FusedAdamW needs contiguous float32 CPU parameters; got {unsupported.dtype} on {unsupported.device}. Use torch's AdamW (OptimizerKind.TorchAdamW) for other parameters.", nameof(param_group));
        }
        if (parameters.Any(p => _state.ContainsKey(p.Handle))
            || parameters.Count != parameters.Distinct(ReferenceEqualityComparer.Instance).Count())
        {
            throw new ArgumentException("A parameter appears twice in FusedAdamW's parameter groups; list each once (OptimizerFactory.ParameterGroups does).", nameof(param_group));
        }
        param_group.Parameters = parameters;
        _parameter_groups.Add(param_group);
        foreach (var parameter in parameters)
        {
            var state = new AdamW.State(parameter);
            state.Initialize(options);
            _state[parameter.Handle] = state;
        }
    }

    /// <summary>Applies one update with the current gradients.</summary>
    public override Tensor? step(Func<Tensor>? closure = null)
    {
        StepCount++;
        return _step<AdamW.ParamGroup>(group =>
        {
            var options = group.Options;
            double lr = options.LearningRate!.Value, beta1 = options.beta1!.Value, beta2 = options.beta2!.Value;
            var decay = (float)(1 - lr * options.weight_decay!.Value);
            foreach (var parameter in group.Parameters)
            {
                using var grad = parameter.grad;
                if (grad is null)
                {
                    continue;
                }

                using var g = grad.contiguous();
                var state = (AdamW.State)_state[parameter.Handle];
                state.step++;
                var stepSize = (float)(lr / (1 - Math.Pow(beta1, state.step)));
                var invSqrtBc2 = (float)(1 / Math.Sqrt(1 - Math.Pow(beta2, state.step)));
                Update(parameter, g, state.exp_avg, state.exp_avg_sq, new Coefficients(decay, (float)beta1, (float)beta2, (float)options.eps!.Value, stepSize, invSqrtBc2));
            }
        }, closure);
    }

    /// <summary>Sets every gradient to none, as <c>zero_grad(set_to_none=True)</c>.</summary>
    public override void zero_grad()
    {
        foreach (var parameter in parameters())
        {
            using var grad = parameter.grad;
            if (grad is not null)
            {
                parameter.grad = null;
            }
        }
    }

    /// <summary>Writes the moments and step counts as a safetensors file (layout in the class remarks).</summary>
    public void SaveState(string path)
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["step_count"] = tensor(new long[] { StepCount }),
            ["param_group_sizes"] = tensor(_parameter_groups.Select(g => (long)g.Parameters.Count()).ToArray()),
        };
        foreach (var (i, _, s) in States())
        {
            if (s.step == 0)
            {
                continue;
            }

            tensors[$"state.{i}.exp_avg"] = s.exp_avg;
            tensors[$"state.{i}.exp_avg_sq"] = s.exp_avg_sq;
            tensors[$"state.{i}.step"] = tensor(new long[] { s.step });
        }
        var defaults = (AdamW.Options)_defaults;
        var metadata = new Dictionary<string, string>
        {
            ["optimizer"] = nameof(FusedAdamW),
            ["parameters"] = _state.Count.ToString(CultureInfo.InvariantCulture),
            ["betas"] = FormattableString.Invariant($"{defaults.beta1:R},{defaults.beta2:R}"),
            ["eps"] = defaults.eps!.Value.ToString("R", CultureInfo.InvariantCulture),
        };
        // Flushed to disk and renamed into place: a checkpoint is only as durable as its optimizer state.
        DurableFile.Write(path, stream => SafeTensors.Save(tensors, stream, metadata));
    }

    /// <summary>
    /// Restores what <see cref="SaveState"/> wrote into this optimizer, which must have been built over the same
    /// parameter groups.
    /// </summary>
    /// <param name="path">The state file.</param>
    /// <param name="givenOrder">
    /// The trainable parameters in the order the run that wrote the file listed them (<c>Fit</c>: the model's, then its
    /// losses'). Needed only for files without <c>param_group_sizes</c>, written before FusedAdamW had groups: those
    /// number the parameters in that order rather than group by group.
    /// </param>
    /// <exception cref="InvalidDataException">The file does not fit these parameters; the message names the file and the entry.</exception>
    public void LoadState(string path, IEnumerable<Parameter>? givenOrder = null)
    {
        var tensors = SafeTensors.Load(path);
        try
        {
            var expected = new HashSet<string>(StringComparer.Ordinal) { "step_count", "param_group_sizes" };
            var fileIndex = FileIndex(tensors, path, givenOrder);
            var stepCount = (int)Scalar(tensors, "step_count", path);
            using var noGrad = no_grad();
            foreach (var (index, p, s) in States())
            {
                var i = fileIndex?[p.Handle] ?? index;
                var prefix = $"state.{i}.";
                if (!tensors.ContainsKey(prefix + "step"))
                {
                    s.step = 0;
                    s.exp_avg.zero_();
                    s.exp_avg_sq.zero_();
                    continue;
                }
                expected.UnionWith([prefix + "step", prefix + "exp_avg", prefix + "exp_avg_sq"]);
                s.step = Scalar(tensors, prefix + "step", path);
                s.exp_avg.copy_(Moment(tensors, prefix + "exp_avg", s.exp_avg, path));
                s.exp_avg_sq.copy_(Moment(tensors, prefix + "exp_avg_sq", s.exp_avg_sq, path));
            }
            if (tensors.Keys.FirstOrDefault(k => !expected.Contains(k)) is { } extra)
            {
                throw new InvalidDataException($"{path}: entry '{extra}' does not belong to an optimizer over {_state.Count} parameters; was it saved for another model?");
            }
            StepCount = stepCount;
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Releases the moments.</summary>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            foreach (var (_, state) in _state)
            {
                ((AdamW.State)state).Dispose();
            }
        }
    }

    // The parameters' states with their index in the optimizer: group by group, as PyTorch's state_dict numbers them.
    private IEnumerable<(int Index, Parameter Parameter, AdamW.State State)> States() =>
        _parameter_groups.SelectMany(g => g.Parameters).Select((p, i) => (i, (Parameter)p, (AdamW.State)_state[p.Handle]));

    // Checks the layout before anything is restored; for a file written before FusedAdamW had groups, returns where in
    // the file each parameter's state is (parameters are matched as TorchSharp keys optimizer state, by handle).
    private Dictionary<IntPtr, int>? FileIndex(Dictionary<string, Tensor> tensors, string path, IEnumerable<Parameter>? givenOrder)
    {
        var sizes = _parameter_groups.Select(g => (long)g.Parameters.Count()).ToArray();
        var count = _state.Count;
        var beyond = tensors.Keys.FirstOrDefault(k => k.StartsWith("state.", StringComparison.Ordinal)
            && (!int.TryParse(k.Split('.')[1], NumberStyles.None, CultureInfo.InvariantCulture, out var i) || i >= count));
        if (beyond is not null)
        {
            throw new InvalidDataException($"{path}: entry '{beyond}' does not belong to an optimizer over {count} parameters; was it saved for another model?");
        }
        if (!tensors.TryGetValue("param_group_sizes", out var saved))
        {
            if (sizes.Count(n => n > 0) <= 1)
            {
                return null;
            }
            var given = givenOrder?.Where(p => p.requires_grad).Select(p => p.Handle).Distinct().ToList();
            var mine = States().Select(x => x.Parameter.Handle).ToHashSet();
            if (given is null || given.Count != mine.Count || !mine.SetEquals(given))
            {
                throw new InvalidDataException($"{path}: entry 'param_group_sizes' is missing: the file was written by an earlier FusedAdamW, which numbered the parameters in the order they were given rather than group by group, so it restores an optimizer with {sizes.Length} parameter groups only given that order of the same parameters.");
            }
            return given.Select((address, i) => (address, i)).ToDictionary(x => x.address, x => x.i);
        }
        if (saved.dtype != ScalarType.Int64 || saved.dim() != 1 || !saved.data<long>().ToArray().SequenceEqual(sizes))
        {
            var found = saved.dtype == ScalarType.Int64 ? string.Join(", ", saved.data<long>().ToArray()) : saved.dtype.ToString();
            throw new InvalidDataException($"{path}: entry 'param_group_sizes' is [{found}], but the optimizer has groups of [{string.Join(", ", sizes)}] parameters; was it saved for another model?");
        }
        return null;
    }

    private static long Scalar(Dictionary<string, Tensor> tensors, string key, string path)
    {
        if (!tensors.TryGetValue(key, out var t))
        {
            throw new InvalidDataException($"{path}: entry '{key}' is missing; not a FusedAdamW state file.");
        }

        if (t.dtype != ScalarType.Int64 || t.numel() != 1)
        {
            throw new InvalidDataException($"{path}: entry '{key}' should be one I64 value, found {t.dtype} of shape [{string.Join(", ", t.shape)}].");
        }

        return t.item<long>();
    }

    private static Tensor Moment(Dictionary<string, Tensor> tensors, string key, Tensor moment, string path)
    {
        if (!tensors.TryGetValue(key, out var t))
        {
            throw new InvalidDataException($"{path}: entry '{key}' is missing.");
        }

        if (t.dtype != ScalarType.Float32 || !t.shape.SequenceEqual(moment.shape))
        {
            throw new InvalidDataException($"{path}: entry '{key}' is {t.dtype} [{string.Join(", ", t.shape)}], but the parameter is Float32 [{string.Join(", ", moment.shape)}]; was it saved for another model?");
        }

        return t;
    }

    private readonly record struct Coefficients(float Decay, float Beta1, float Beta2, float Eps, float StepSize, float InvSqrtBc2);

    private static void Update(Tensor parameter, Tensor grad, Tensor expAvg, Tensor expAvgSq, Coefficients c)
    {
        int n = (int)parameter.numel();
        // Large tensors are split across the same number of threads libtorch uses.
        int parts = n >= 1 << 18 ? Math.Max(1, torch.get_num_threads()) : 1;
        unsafe
        {
            fixed (byte* pp = parameter.bytes, gp = grad.bytes, mp = expAvg.bytes, vp = expAvgSq.bytes)
            {
                float* pf = (float*)pp, gf = (float*)gp, mf = (float*)mp, vf = (float*)vp;
                if (parts == 1)
                {
                    Range(pf, gf, mf, vf, 0, n, c);
                }
                else
                {
                    nint pAddr = (nint)pf, gAddr = (nint)gf, mAddr = (nint)mf, vAddr = (nint)vf;
                    Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part =>
                    {
                        int chunk = (n + parts - 1) / parts;
                        int start = part * chunk, end = Math.Min(n, start + chunk);
                        Range((float*)pAddr, (float*)gAddr, (float*)mAddr, (float*)vAddr, start, end, c);
                    });
                }
            }
        }
    }

    private static unsafe void Range(float* param, float* grad, float* expAvg, float* expAvgSq, int start, int end, Coefficients c)
    {
        var ps = new Span<float>(param + start, end - start);
        var gs = new ReadOnlySpan<float>(grad + start, end - start);
        var ms = new Span<float>(expAvg + start, end - start);
        var vs = new Span<float>(expAvgSq + start, end - start);
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
