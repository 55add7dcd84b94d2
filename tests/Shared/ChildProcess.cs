using System.Diagnostics;

namespace NotebookSupport.Testing;

/// <summary>A program run to completion with its output captured, as a user would run it from a shell.</summary>
internal sealed record ChildProcess(string Command, int ExitCode, string Output, string Error, TimeSpan Elapsed)
{
    public static async Task<ChildProcess> RunAsync(
        string file, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        var command = $"{file} {string.Join(' ', start.ArgumentList)}";
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {command}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} (in {workingDirectory}) did not finish within {timeout}:\n{await output}\n{await error}");
        }

        return new ChildProcess(command, process.ExitCode, await output, await error, watch.Elapsed);
    }

    /// <summary>Throws, with the command and everything it printed, unless it exited with 0.</summary>
    public ChildProcess Succeeded()
    {
        Assert.True(ExitCode == 0, $"{Command} exited with {ExitCode}:\n{Output}\n{Error}");
        return this;
    }
}
