using Spectre.Console;

namespace NotebookSupport.Cli.Commands;

/// <summary>
/// The progress bar of every command that encodes many sentences (<c>evaluate</c>, <c>mine-negatives</c>,
/// <c>reproduce</c>'s scoring): a Spectre.Console bar fed by <c>Encode</c>'s <see cref="EncodeProgress"/>, cleared
/// when the work ends. Without <c>show</c>, or when the console is redirected, the work runs without one.
/// </summary>
internal static class EncodeProgressBar
{
    /// <summary>Runs <paramref name="work"/> with a bar labelled <paramref name="label"/>, or with no progress when <paramref name="show"/> is false.</summary>
    public static T Run<T>(bool show, string label, Func<IProgress<EncodeProgress>?, T> work)
    {
        if (!show)
        {
            return work(null);
        }
        return AnsiConsole.Progress().AutoClear(true).Start(context => work(new Bar(context.AddTask(label))));
    }

    private sealed class Bar(ProgressTask task) : IProgress<EncodeProgress>
    {
        public void Report(EncodeProgress value)
        {
            task.MaxValue = Math.Max(1, value.Total);
            task.Value = value.Done;
        }
    }
}
