namespace NotebookSupport.Training;

/// <summary>
/// Training stopped because a loss or gradient norm was NaN or infinite. The model was not updated with that step and
/// no checkpoint was written after it, so <see cref="LastGoodCheckpoint"/> (if any) is intact.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(int step, int epoch, string what, double value, string? lastGoodCheckpoint)
        : base($"Training stopped at step {step} (epoch {epoch + 1}): the {what} is {value}. The model was not updated with this step. " +
               (lastGoodCheckpoint is null
                   ? "No checkpoint was saved before it. "
                   : $"The last good checkpoint is '{lastGoodCheckpoint}'; resume from it with a lower learning rate. ") +
               "Usual causes: a learning rate that is too high, or empty/garbled training texts.")
    {
        Step = step;
        Value = value;
        LastGoodCheckpoint = lastGoodCheckpoint;
    }

    /// <summary>The step (1-based) whose loss or gradient was not finite.</summary>
    public int Step { get; }

    /// <summary>The offending value.</summary>
    public double Value { get; }

    /// <summary>The newest checkpoint saved before the failure, or <c>null</c>.</summary>
    public string? LastGoodCheckpoint { get; }
}
