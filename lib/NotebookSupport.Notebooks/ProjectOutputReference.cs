using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NotebookSupport.Notebooks;

/// <summary>
/// A notebook's <c>#r</c> line that loads a project's build output, such as
/// <c>#r "../lib/NotebookSupport/bin/Debug/net10.0/NotebookSupport.dll"</c>: the project, the configuration, and the
/// build that makes the file. The twins turn it into <c>#:project</c>; <c>run-notebooks</c> builds it first.
/// </summary>
public sealed partial record ProjectOutputReference(string ProjectFolder, string Configuration, string Name)
{
    /// <summary>The project file, relative to the notebook as the <c>#r</c> line is.</summary>
    public string Project => $"{ProjectFolder}/{Name}.csproj";

    /// <summary>Parses an <c>#r "&lt;project folder&gt;/bin/&lt;Configuration&gt;/&lt;tfm&gt;/&lt;Name&gt;.dll"</c> line; null for any other line.</summary>
    public static ProjectOutputReference? Parse(string line)
    {
        var match = Pattern().Match(line.Trim());
        return match.Success
            ? new ProjectOutputReference(match.Groups["folder"].Value.Length == 0 ? "." : match.Groups["folder"].Value, match.Groups["configuration"].Value, match.Groups["name"].Value)
            : null;
    }

    /// <summary>Every distinct project output the notebook's code cells reference.</summary>
    public static IReadOnlyList<ProjectOutputReference> In(NotebookDocument notebook) =>
        notebook.Cells.Where(c => c.IsCode)
            .SelectMany(c => c.Source.ReplaceLineEndings("\n").Split('\n'))
            .Select(Parse).OfType<ProjectOutputReference>().Distinct().ToList();

    /// <summary>The command that builds it, run from <paramref name="notebookFolder"/>'s point of view.</summary>
    public string BuildCommand(string notebookFolder) =>
        $"dotnet build {Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.GetFullPath(Path.Combine(notebookFolder, Project)))} -c {Configuration}";

    /// <summary>
    /// Builds the project (incrementally: quick when nothing changed), so the notebook loads the current code.
    /// </summary>
    /// <exception cref="InvalidOperationException">The build failed or dotnet could not be started; the message gives the exact command to run.</exception>
    public async Task BuildAsync(string notebookFolder, CancellationToken cancellationToken = default)
    {
        var project = Path.GetFullPath(Path.Combine(notebookFolder, Project));
        if (!File.Exists(project))
        {
            throw new InvalidOperationException($"The notebooks load {Name}.dll from the build output of {project}, which does not exist.");
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", ["build", project, "-c", Configuration, "-nologo", "-v:q"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException($"Could not start dotnet to build {Name} for the notebooks ({e.Message}). Build it yourself, then run again: {BuildCommand(notebookFolder)}", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                var lines = (await output + await error).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(" error ", StringComparison.Ordinal)).Distinct().Take(10);
                throw new InvalidOperationException($"Building {Name} for the notebooks failed (exit code {process.ExitCode}); fix the errors, then run again, or build it yourself: {BuildCommand(notebookFolder)}\n{string.Join('\n', lines)}");
            }
        }
    }

    [GeneratedRegex("""^#r\s+"(?<folder>(?:[^"]*/)?[^"/]+)/bin/(?<configuration>[^"/]+)/[^"/]+/(?<name>[^"/]+)\.dll"$""")]
    private static partial Regex Pattern();
}
