using System.Text.Json.Serialization;

namespace NotebookSupport.Training;

/// <summary>
/// The <c>trainer_state.json</c> of a checkpoint: where training stood (step, epoch, batch within the epoch, schedule)
/// and the log so far. Together with the weights, optimizer moments and random state beside it, it lets training resume
/// exactly.
/// </summary>
public sealed record TrainerState
{
    /// <summary>Version of the checkpoint layout: 3 adds <see cref="Run"/> and <see cref="LastEvaluatedStep"/>.</summary>
    [JsonPropertyName("format_version")] public int FormatVersion { get; init; } = 3;

    /// <summary>
    /// The optimizer whose state the checkpoint holds: <c>FusedAdamW</c> (<c>optimizer.safetensors</c>) or
    /// <c>TorchAdamW</c> (<c>optimizer.bin</c>, TorchSharp's <c>save_state_dict</c>). Format 1 checkpoints have no such
    /// field and hold torch's AdamW.
    /// </summary>
    [JsonPropertyName("optimizer")]
    [JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.TorchAdamW;

    /// <summary>Steps completed.</summary>
    [JsonPropertyName("global_step")] public int GlobalStep { get; init; }

    /// <summary>Zero-based epoch in progress.</summary>
    [JsonPropertyName("epoch")] public int Epoch { get; init; }

    /// <summary>Batches of <see cref="Epoch"/> already trained on (the loaders' position).</summary>
    [JsonPropertyName("batch_in_epoch")] public int BatchInEpoch { get; init; }

    /// <summary>Steps of the whole training; a resumed run must have the same.</summary>
    [JsonPropertyName("total_steps")] public int TotalSteps { get; init; }

    /// <summary>Warm-up steps of the learning-rate schedule.</summary>
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; }

    /// <summary>Seed the training started from; a resume must have the same (see <see cref="FitOptions.AllowResumeWithChanges"/>).</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; }

    /// <summary>
    /// What the run was besides its steps (batch sizes, losses, data, model), compared on resume; <c>null</c> in
    /// checkpoints of format 2 and older, which resume unverified.
    /// </summary>
    [JsonPropertyName("run")] public RunFingerprint? Run { get; init; }

    /// <summary>The last step after which the evaluator ran, if any, so a resume does not evaluate that step again.</summary>
    [JsonPropertyName("last_evaluated_step")] public int? LastEvaluatedStep { get; init; }

    /// <summary>Training time so far, in seconds.</summary>
    [JsonPropertyName("elapsed_seconds")] public double ElapsedSeconds { get; init; }

    /// <summary>Best evaluation score so far, if any: the one <see cref="FitOptions.SaveBestModel"/> must beat.</summary>
    [JsonPropertyName("best_score")] public double? BestScore { get; init; }

    /// <summary>Type names of the training objectives' losses, checked on resume.</summary>
    [JsonPropertyName("losses")] public IReadOnlyList<string> Losses { get; init; } = [];

    /// <summary>Every log entry up to this step.</summary>
    [JsonPropertyName("log_history")] public IReadOnlyList<TrainingLogEntry> LogHistory { get; init; } = [];
}
