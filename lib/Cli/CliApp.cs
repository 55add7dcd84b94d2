using System.CommandLine;
using System.CommandLine.Invocation;
using NotebookSupport.Cli.Commands;

namespace NotebookSupport.Cli;

/// <summary>
/// The <c>st</c> command line: builds the root command from <see cref="CommandCatalog"/> and runs it.
/// Exit codes: 0 success, 1 runtime failure (missing model, unreadable file...), 2 bad arguments.
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
    /// Runs a command's work, turning the expected failures into a one-line message on the error writer and an exit code:
    /// <see cref="ArgumentException"/> gives <see cref="BadArguments"/>, file, data, model and network errors give
    /// <see cref="RuntimeFailure"/>.
    /// </summary>
    public static int Guard(ParseResult parseResult, Func<int> work)
    {
        var error = parseResult.InvocationConfiguration.Error;
        try
        {
            return work();
        }
        catch (ArgumentException e)
        {
            error.WriteLine($"error: {e.Message}");
            return BadArguments;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException
                                      or NotebookSupport.Hub.ModelNotFoundException or HttpRequestException)
        {
            error.WriteLine($"error: {e.Message}");
            return RuntimeFailure;
        }
    }
}
