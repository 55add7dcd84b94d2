using TorchSharp.Modules;

namespace NotebookSupport.Training;

/// <summary>
/// The learning-rate schedule of the tutorial (transformers' <c>get_linear_schedule_with_warmup</c>): the rate climbs
/// linearly from 0 to its peak over the warm-up steps, then falls linearly to 0 at the last training step.
/// </summary>
/// <remarks>
/// Call <see cref="Step"/> once after every <c>optimizer.step()</c>. The whole state is <see cref="LastStep"/>, so a
/// checkpoint restores the schedule by setting it back. The peak rates are those of the optimizer (each parameter
/// group of torch's AdamW, or <see cref="FusedAdamW.LearningRate"/>) when the schedule is created.
/// </remarks>
/// <example>
/// <code>
/// var scheduler = new LinearScheduleWithWarmup(optimizer, warmupSteps: (int)(0.1 * totalSteps), totalSteps);
/// // per batch: loss.backward(); optimizer.step(); scheduler.Step(); optimizer.zero_grad();
/// </code>
/// </example>
public sealed class LinearScheduleWithWarmup
{
    private readonly Action<double> _applyFactor;
    private readonly Func<double> _learningRate;
    private int _lastStep;

    /// <summary>Wraps torch's <paramref name="optimizer"/> and sets its rates for step 0 (0 when there is a warm-up).</summary>
    public LinearScheduleWithWarmup(OptimizerHelper optimizer, int warmupSteps, int totalSteps)
        : this(ApplyTo(optimizer ?? throw new ArgumentNullException(nameof(optimizer))), () => optimizer.ParamGroups.First().LearningRate, warmupSteps, totalSteps)
    {
    }

    /// <summary>Wraps a <see cref="FusedAdamW"/> and sets its rate for step 0 (0 when there is a warm-up).</summary>
    public LinearScheduleWithWarmup(FusedAdamW optimizer, int warmupSteps, int totalSteps)
        : this(ApplyTo(optimizer ?? throw new ArgumentNullException(nameof(optimizer))), () => optimizer.LearningRate, warmupSteps, totalSteps)
    {
    }

    private LinearScheduleWithWarmup(Action<double> applyFactor, Func<double> learningRate, int warmupSteps, int totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        _applyFactor = applyFactor;
        _learningRate = learningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        LastStep = 0;
    }

    /// <summary>Steps over which the rate rises from 0 to its peak.</summary>
    public int WarmupSteps { get; }

    /// <summary>The step at which the rate reaches 0.</summary>
    public int TotalSteps { get; }

    /// <summary>How many times <see cref="Step"/> has been called; setting it applies that step's rates.</summary>
    public int LastStep
    {
        get => _lastStep;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _lastStep = value;
            _applyFactor(Factor(value, WarmupSteps, TotalSteps));
        }
    }

    /// <summary>The current learning rate (of the first parameter group, for torch's optimizers).</summary>
    public double LearningRate => _learningRate();

    /// <summary>Advances the schedule by one optimizer step.</summary>
    public void Step() => LastStep = _lastStep + 1;

    /// <summary>The multiplier of the peak rate at <paramref name="step"/>, exactly as transformers computes it.</summary>
    public static double Factor(int step, int warmupSteps, int totalSteps)
    {
        if (step < warmupSteps)
        {
            return (double)step / Math.Max(1, warmupSteps);
        }
        return Math.Max(0.0, (double)(totalSteps - step) / Math.Max(1, totalSteps - warmupSteps));
    }

    // The peak rates are read once, when the schedule is created.
    private static Action<double> ApplyTo(OptimizerHelper optimizer)
    {
        var groups = optimizer.ParamGroups.ToList();
        var peaks = groups.Select(g => g.LearningRate).ToArray();
        return factor =>
        {
            for (var i = 0; i < groups.Count; i++)
            {
                groups[i].LearningRate = peaks[i] * factor;
            }
        };
    }

    private static Action<double> ApplyTo(FusedAdamW optimizer)
    {
        var peak = optimizer.LearningRate;
        return factor => optimizer.LearningRate = peak * factor;
    }
}
