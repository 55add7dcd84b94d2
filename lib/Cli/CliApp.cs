using System.CommandLine.Invocation;
using NotebookSupport.Cli.Commands;
using NotebookSupport.Notebooks;

namespace NotebookSupport.Cli;

/// <summary>
/// The <c>st</c> command line: builds the root command from <see cref="CommandCatalog"/> and runs it.
/// Exit codes, the same for every command: 0 success, 1 runtime failure (missing model, unreadable file...), 2 bad
/// arguments; <see cref="Guard(ParseResult, Func{int})"/>, through which every command runs, says which failure gets which.
/// </summary>
public static class CliApp
{
    /// <summary>Exit code of a successful run.</summary>
    public const int Success = 0;

    /// <summary>Exit code when the arguments were valid but the work failed.</summary>
    public const int RuntimeFailure = 1;

    /// <summary>Exit code for missing, unknown or invalid arguments.</summary>
    public const int BadArguments = 2;

    /// <summary>Runs the CLI with <paramref name="args"/>, writing to <paramref name="output"/>/<paramref name="error"/> (default the console).</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var root = new RootCommand("Train and evaluate sentence transformers with Multiple Negatives Ranking loss (TorchSharp).");
        foreach (var command in CommandCatalog.All())
        {
            root.Subcommands.Add(command);
        }
        var configuration = new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error };
        var parseResult = root.Parse(args);
        var exitCode = parseResult.Invoke(configuration);
        // System.CommandLine reports parse errors with exit code 1; scripts can tell them apart with 2.
        return parseResult.Action is ParseErrorAction && exitCode != Success ? BadArguments : exitCode;
    }

    /// <summary>
    /// Runs a command's work; every command's action goes through here, so all of them report failures alike.
    /// The work returns its own exit code (<see cref="Success"/>, or another code it chose, e.g. 130 for an
    /// interrupted training). The expected failures become one line <c>error: message</c> on the error writer and:
    /// <list type="bullet">
    /// <item><see cref="BadArguments"/> (2) for an <see cref="ArgumentException"/>: a value the parser accepted but the
    /// command cannot use (a random model that does not exist, a TSV without the column an option needs...); its
    /// message names the option.</item>
    /// <item><see cref="RuntimeFailure"/> (1) for file, data, model, network, training and notebook failures:
    /// <see cref="IOException"/> (missing or unreadable files, outputs an earlier run left), <see cref="InvalidDataException"/>,
    /// <see cref="DataFormatException"/>, <see cref="UnauthorizedAccessException"/>, <see cref="ModelNotFoundException"/>,
    /// <see cref="HttpRequestException"/>, <see cref="InvalidOperationException"/> (e.g. a refused resume),
    /// <see cref="TrainingDivergedException"/> and <see cref="NotebookCellFailedException"/>.</item>
    /// </list>
    /// Anything else is a bug and reaches System.CommandLine's handler, which prints the stack trace.
    /// Errors the parser finds (missing, unknown or invalid options) never reach the work; <see cref="Run"/> gives them
    /// <see cref="BadArguments"/> too.
    /// </summary>
    public static int Guard(ParseResult parseResult, Func<int> work) =>
        // The task is complete when Guard returns: the work ran synchronously inside it.
        Guard(parseResult, () => Task.FromResult(work())).GetAwaiter().GetResult();

    /// <summary>The <see cref="Guard(ParseResult, Func{int})"/> of a command whose work is asynchronous.</summary>
    public static async Task<int> Guard(ParseResult parseResult, Func<Task<int>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception e) when (ExitCode(e) is { } exitCode)
        {
            parseResult.InvocationConfiguration.Error.WriteLine($"error: {e.Message}");
            return exitCode;
        }
    }

    private static int? ExitCode(Exception e) => e switch
    {
        ArgumentException => BadArguments,
        IOException or InvalidDataException or DataFormatException or UnauthorizedAccessException or ModelNotFoundException
            or HttpRequestException or InvalidOperationException or TrainingDivergedException or NotebookCellFailedException => RuntimeFailure,
        _ => null,
    };
}
