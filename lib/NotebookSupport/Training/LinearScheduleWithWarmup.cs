using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// The learning-rate schedule of the tutorial (transformers' <c>get_linear_schedule_with_warmup</c>): the rate climbs
/// linearly from 0 to its peak over the warm-up steps, then falls linearly to 0 at the last training step.
/// </summary>
/// <remarks>
/// Call <see cref="Step"/> once after every <c>optimizer.step()</c>. The whole state is <see cref="LastStep"/>, so a
/// checkpoint restores the schedule by setting it back. The peak rates are those of the optimizer (each parameter
/// group's <c>LearningRate</c>) when the schedule is created.
/// </remarks>
/// <example>
/// <code>
/// var scheduler = new LinearScheduleWithWarmup(optimizer, warmupSteps: (int)(0.1 * totalSteps), totalSteps);
/// // per batch: loss.backward(); optimizer.step(); scheduler.Step(); optimizer.zero_grad();
/// </code>
/// </example>
public sealed class LinearScheduleWithWarmup
{
    private readonly IReadOnlyList<optim.ILearningRateController> _groups;
    private readonly double[] _peaks;
    private int _lastStep;

    /// <summary>Wraps <paramref name="optimizer"/> (torch's AdamW, <see cref="FusedAdamW"/>, any TorchSharp optimizer) and sets its rates for step 0 (0 when there is a warm-up).</summary>
    public LinearScheduleWithWarmup(optim.Optimizer optimizer, int warmupSteps, int totalSteps)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        _groups = [.. optimizer.ParamGroups];
        if (_groups.Count == 0)
        {
            throw new ArgumentException("The optimizer has no parameter groups to schedule.", nameof(optimizer));
        }
        // The peak rates are read once, when the schedule is created.
        _peaks = [.. _groups.Select(g => g.LearningRate)];
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
            var factor = Factor(value, WarmupSteps, TotalSteps);
            for (var i = 0; i < _groups.Count; i++)
            {
                _groups[i].LearningRate = _peaks[i] * factor;
            }
        }
    }

    /// <summary>The current learning rate (of the first parameter group).</summary>
    public double LearningRate => _groups[0].LearningRate;

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
}
