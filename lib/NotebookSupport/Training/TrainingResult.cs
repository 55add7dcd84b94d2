using NotebookSupport.Evaluation;

namespace NotebookSupport.Training;

/// <summary>What <c>Fit</c> did.</summary>
/// <param name="Completed">False when training was cancelled before the last step.</param>
/// <param name="GlobalStep">Steps completed, counting resumed ones.</param>
/// <param name="TotalSteps">Steps the full training has.</param>
/// <param name="Log">Every step's and evaluation's log entry, as in the JSON-lines log.</param>
/// <param name="Evaluations">Evaluator results in order.</param>
/// <param name="LastCheckpoint">The newest checkpoint folder, if any was saved.</param>
/// <param name="Elapsed">Training time, including resumed runs.</param>
public sealed record TrainingResult(
    bool Completed, int GlobalStep, int TotalSteps, IReadOnlyList<TrainingLogEntry> Log,
    IReadOnlyList<EvaluationResult> Evaluations, string? LastCheckpoint, TimeSpan Elapsed)
{
    /// <summary>The training losses by step.</summary>
    public IReadOnlyList<(int Step, double Loss)> Losses =>
        [.. Log.Where(e => e.Loss is not null).Select(e => (e.Step, e.Loss!.Value))];
}
