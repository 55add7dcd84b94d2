namespace NotebookSupport.Training;

/// <summary>
/// Code that runs at a point of the training, as Hugging Face's <c>TrainerCallback</c> (which sentence-transformers'
/// trainer takes): pass instances in <see cref="FitOptions.Callbacks"/>. The library's own is
/// <c>Plotting.LossCurveCallback</c>, which saves the loss curve beside the trained model.
/// </summary>
/// <example>
/// <code>
/// sealed class Announce : TrainerCallback
/// {
///     public override void OnTrainEnd(FitOptions options, TrainingResult result) =>
///         Console.WriteLine($"{result.GlobalStep} steps done, final loss {result.Losses[^1].Loss:F4}");
/// }
///
/// model.Fit([(loader, loss)], new FitOptions { Callbacks = [new Announce()] });
/// </code>
/// </example>
public abstract class TrainerCallback
{
    /// <summary>
    /// The files this callback writes into <see cref="FitOptions.OutputPath"/>, relative to it. A new training refuses to
    /// replace them as it refuses to replace the model and log of an earlier run (see <see cref="FitOptions.Overwrite"/>).
    /// </summary>
    public virtual IReadOnlyList<string> OutputFiles => [];

    /// <summary>
    /// Called once when the last step is done and the model and log are saved; not when training is cancelled or fails.
    /// </summary>
    /// <param name="options">The training's options.</param>
    /// <param name="result">What the training did, as <c>Fit</c> returns it.</param>
    public abstract void OnTrainEnd(FitOptions options, TrainingResult result);
}
