using Spectre.Console;

namespace NotebookSupport.Training;

/// <summary>The console progress bar of <c>Fit</c>: epoch, loss, learning rate and it/s, with elapsed time and ETA.</summary>
public static class ConsoleProgressBar
{
    /// <summary>Runs <paramref name="body"/> while showing a bar fed by the <see cref="IProgress{T}"/> it is given.</summary>
    public static T Run<T>(int totalSteps, int startStep, Func<IProgress<TrainingProgress>, T> body) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask("training", maxValue: Math.Max(1, totalSteps));
                task.Value = startStep;
                return body(new Reporter(task));
            });

    /// <summary>One line describing a step, as the bar shows it.</summary>
    public static string Describe(TrainingProgress p) =>
        $"epoch {p.Epoch + 1}/{p.Epochs}  step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  lr {p.LearningRate:E2}  {p.StepsPerSecond:F2} it/s" +
        (p.Remaining is { } eta ? $"  ETA {eta:hh\\:mm\\:ss}" : "") +
        (p.EvaluationScore is { } score ? $"  eval {score:F2}" : "");

    private sealed class Reporter(ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            task.Description = Markup.Escape(Describe(value));
            task.Value = value.Step;
        }
    }
}
