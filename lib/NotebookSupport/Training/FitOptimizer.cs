using NotebookSupport.Losses;
using NotebookSupport.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// The optimizer <c>Fit</c> drives, whichever <see cref="OptimizerKind"/> it is: AdamW with sentence-transformers'
/// no-decay groups, the linear warm-up/decay schedule, and the checkpoint file of its state.
/// </summary>
internal sealed class FitOptimizer
{
    private readonly OptimizerHelper _optimizer;
    private readonly Parameter[] _parameters;

    public FitOptimizer(OptimizerKind kind, IReadOnlyList<(string Name, Parameter Parameter)> namedParameters,
        double learningRate, double weightDecay, int warmupSteps, int totalSteps)
    {
        Kind = kind;
        _parameters = [.. namedParameters.Select(p => p.Parameter)];
        _optimizer = OptimizerFactory.AdamW(namedParameters, learningRate, weightDecay, kind: kind);
        Schedule = new LinearScheduleWithWarmup(_optimizer, warmupSteps, totalSteps);
    }

    /// <summary>The implementation in use (never <see cref="OptimizerKind.Auto"/>).</summary>
    public OptimizerKind Kind { get; }

    public LinearScheduleWithWarmup Schedule { get; }

    /// <summary>
    /// What <see cref="OptimizerKind.Auto"/> means for these parameters, or an error when the fused optimizer is asked
    /// for parameters it cannot update.
    /// </summary>
    public static OptimizerKind Resolve(OptimizerKind requested, IEnumerable<(string Name, Parameter Parameter)> namedParameters)
    {
        var unsupported = namedParameters.Where(p => p.Parameter.requires_grad && !FusedAdamW.Supports(p.Parameter))
            .Select(p => $"{p.Name} ({p.Parameter.dtype} on {p.Parameter.device})").FirstOrDefault();
        return requested switch
        {
            OptimizerKind.Auto => unsupported is null ? OptimizerKind.FusedAdamW : OptimizerKind.TorchAdamW,
            OptimizerKind.FusedAdamW when unsupported is not null => throw new ArgumentException(
                $"FitOptions.Optimizer = FusedAdamW needs contiguous float32 CPU parameters, but {unsupported} is not; use OptimizerKind.Auto or TorchAdamW.",
                nameof(FitOptions.Optimizer)),
            OptimizerKind.FusedAdamW or OptimizerKind.TorchAdamW => requested,
            _ => throw new ArgumentOutOfRangeException(nameof(FitOptions.Optimizer), requested, "Expected Auto, FusedAdamW or TorchAdamW."),
        };
    }

    /// <summary>Applies the update with the current (clipped) gradients, clears them and advances the schedule.</summary>
    public void Step()
    {
        // torch's AdamW reads each parameter's grad into a fresh tensor handle; the scope releases them every step.
        using (NewDisposeScope())
        {
            _optimizer.step();
            _optimizer.zero_grad();
        }
        Schedule.Step();
    }

    public void ZeroGrad() => _optimizer.zero_grad();

    public string Save(string root, SentenceTransformer model, IReadOnlyList<SentenceTransformerLoss> losses, TrainerState state, int totalLimit) =>
        Checkpoints.Save(root, model, losses, _optimizer, state, totalLimit);

    /// <summary>Restores the checkpoint and puts the schedule at its step.</summary>
    public TrainerState Load(string checkpoint, SentenceTransformer model, IReadOnlyList<SentenceTransformerLoss> losses)
    {
        var state = Checkpoints.Load(checkpoint, model, losses, _optimizer, _parameters);
        Schedule.LastStep = state.GlobalStep;
        return state;
    }
}
