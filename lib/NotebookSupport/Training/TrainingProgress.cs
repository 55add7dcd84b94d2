namespace NotebookSupport.Training;

/// <summary>A report after one training step, for progress displays (<see cref="FitOptions.Progress"/>).</summary>
/// <param name="Epoch">Zero-based epoch of the step.</param>
/// <param name="Epochs">Number of epochs.</param>
/// <param name="Step">Steps completed, counting from the start of training (across resumes).</param>
/// <param name="TotalSteps">Steps of the whole training.</param>
/// <param name="Loss">Loss of this step (summed over the training objectives).</param>
/// <param name="LearningRate">Learning rate used for this step.</param>
/// <param name="StepsPerSecond">Throughput since this run started.</param>
/// <param name="Elapsed">Training time so far, including earlier runs that were resumed.</param>
/// <param name="Remaining">Estimated time to the end, once the throughput is known.</param>
/// <param name="EvaluationScore">Spearman x 100 when this step was followed by an evaluation.</param>
public sealed record TrainingProgress(
    int Epoch, int Epochs, int Step, int TotalSteps, double Loss, double LearningRate,
    double StepsPerSecond, TimeSpan Elapsed, TimeSpan? Remaining, double? EvaluationScore)
{
    /// <summary>Completed fraction of the training, 0 to 1.</summary>
    public double Fraction => TotalSteps == 0 ? 1 : (double)Step / TotalSteps;
}
