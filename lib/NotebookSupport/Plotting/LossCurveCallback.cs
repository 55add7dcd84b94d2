using NotebookSupport.Training;

namespace NotebookSupport.Plotting;

/// <summary>
/// Saves the training-loss curve (<see cref="LossCurve"/>) as <see cref="LossCurve.FileName"/> in
/// <see cref="FitOptions.OutputPath"/> when training ends, beside the model and its log; without an output path it
/// does nothing. <c>st train</c> and <c>st reproduce</c> use it.
/// </summary>
/// <example>
/// <code>
/// model.Fit([(loader, loss)], new FitOptions { OutputPath = "mnr", Callbacks = [new LossCurveCallback()] });
/// </code>
/// </example>
public sealed class LossCurveCallback : TrainerCallback
{
    /// <inheritdoc />
    public override IReadOnlyList<string> OutputFiles => [LossCurve.FileName];

    /// <inheritdoc />
    public override void OnTrainEnd(FitOptions options, TrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        if (options.OutputPath is { } output && result.Losses.Count > 0)
        {
            LossCurve.Save(result.Losses, Path.Combine(output, LossCurve.FileName));
        }
    }
}
