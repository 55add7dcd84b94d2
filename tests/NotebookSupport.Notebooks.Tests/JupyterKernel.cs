using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NotebookSupport.Notebooks.Tests;

/// <summary>
/// The notebook kernel users start: the <c>Microsoft.dotnet-interactive</c> tool, version 1.0.712001 from the
/// repository's tool manifest (<c>.config/dotnet-tools.json</c>), driven by Jupyter's <c>nbconvert</c> from Debian's
/// packages, exactly as <c>jupyter nbconvert --execute</c> runs a notebook. Its kernel spec is installed into a
/// folder of its own (<c>JUPYTER_PATH</c>), so the user's Jupyter set-up is never touched.
/// </summary>
public sealed partial class JupyterKernel : IDisposable
{
    /// <summary>The kernel spec <c>dotnet interactive jupyter install</c> writes for C#.</summary>
    public const string KernelName = ".net-csharp";

    private readonly string _folder = Directory.CreateTempSubdirectory("jupyter-kernel-").FullName;
    private readonly string _nbconvert;
    private readonly string _testNotebooks = Path.Combine(RepositoryPaths.Root, "TestResults", "kernel-tests", Guid.NewGuid().ToString("N"));

    public JupyterKernel()
    {
        _nbconvert = FindOnPath("jupyter-nbconvert")
            ?? throw new InvalidOperationException(
                "jupyter-nbconvert is not installed, so the notebooks cannot run in the real kernel. Run the tests with "
                + "tests/run (it installs it), or install it yourself: sudo apt-get install -y jupyter-nbconvert python3-nbclient");
        ChildProcess.RunAsync("dotnet", ["tool", "restore"], RepositoryPaths.Root, TimeSpan.FromMinutes(5)).Result.Succeeded();
        ChildProcess.RunAsync("dotnet", ["interactive", "jupyter", "install", "--path", Directory.CreateDirectory(Path.Combine(_folder, "kernels")).FullName],
            RepositoryPaths.Root, TimeSpan.FromMinutes(2)).Result.Succeeded();
    }

    /// <summary>
    /// Executes the notebook at <paramref name="path"/> top to bottom in a new kernel, each cell within
    /// <paramref name="cellTimeout"/>, and returns the executed copy (the notebook itself is not changed).
    /// </summary>
    public async Task<KernelRun> ExecuteAsync(string path, TimeSpan cellTimeout)
    {
        var outputFolder = Directory.CreateDirectory(Path.Combine(_folder, "executed-" + Guid.NewGuid().ToString("N"))).FullName;
        var process = await ChildProcess.RunAsync(_nbconvert,
            [
                "--to", "notebook", "--execute",
                $"--ExecutePreprocessor.kernel_name={KernelName}",
                $"--ExecutePreprocessor.timeout={(int)cellTimeout.TotalSeconds}",
                // Errors are read from the saved outputs, so every failing cell is reported with its index and source.
                "--ExecutePreprocessor.allow_errors=True",
                "--output-dir", outputFolder, "--output", Path.GetFileName(path), Path.GetFullPath(path),
            ],
            Path.GetDirectoryName(Path.GetFullPath(path))!,
            TimeSpan.FromMinutes(20),
            new Dictionary<string, string?>
            {
                ["JUPYTER_PATH"] = _folder,
                ["JUPYTER_RUNTIME_DIR"] = Path.Combine(_folder, "runtime"),
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1",
            });
        Assert.True(process.ExitCode == 0,
            $"{Path.GetFileName(path)} did not run to the end in the kernel (a cell timed out after {cellTimeout}, or the kernel died):\n{process.Error}");
        return new KernelRun(NotebookDocument.Load(Path.Combine(outputFolder, Path.GetFileName(path))), process.Elapsed);
    }

    /// <summary>
    /// Writes a notebook for a test inside the repository (TestResults/kernel-tests/), as users' notebooks are: the
    /// kernel starts in the notebook's folder, and `dotnet interactive` finds the tool manifest from there. Deleted
    /// with the fixture.
    /// </summary>
    public string WriteNotebook(string name, params NotebookCell[] cells)
    {
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(_testNotebooks, Guid.NewGuid().ToString("N"))).FullName, name);
        new NotebookDocument(name, [.. cells]).Save(path);
        return path;
    }

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        if (Directory.Exists(_testNotebooks))
        {
            Directory.Delete(_testNotebooks, recursive: true);
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}

/// <summary>A notebook executed by <see cref="JupyterKernel"/>, and how long it took, kernel start included.</summary>
public sealed partial record KernelRun(NotebookDocument Notebook, TimeSpan WallTime)
{
    /// <summary>
    /// Each code cell's failures: error outputs (exceptions, compile errors) and compiler warnings, which the kernel
    /// prints to stderr, each with the notebook name, cell index and source.
    /// </summary>
    public IEnumerable<string> Failures() =>
        Notebook.Cells.Select((cell, index) => (cell, index)).Where(c => c.cell.IsCode).SelectMany(c => c.cell.Outputs
            .Select(o => o["output_type"]?.ToString() == "error"
                ? $"{o["ename"]}: {o["evalue"]}"
                : o["name"]?.ToString() == "stderr" && CompilerDiagnostic().IsMatch(Text(o["text"])) ? Text(o["text"]) : null)
            .OfType<string>()
            .Select(text => $"{Notebook.Name}: cell {c.index} failed:\n{c.cell.Source}\n---\n{text}"));

    /// <summary>The visible text of the cell's outputs: plain text where there is any, else HTML without tags.</summary>
    public IEnumerable<string> OutputTexts(int cellIndex) => Notebook.Cells[cellIndex].Outputs.Select(o =>
        o["text"] is { } text ? Text(text)
        : o["data"]?["text/plain"] is { } plain ? Text(plain)
        : Regex.Replace(Regex.Replace(Text(o["data"]?["text/html"]), "<style>.*?</style>", "", RegexOptions.Singleline), "<[^>]+>", "").Trim());

    // nbformat stores multi-line text as a list of lines.
    private static string Text(JsonNode? node) =>
        node is JsonArray lines ? string.Concat(lines.Select(l => l?.GetValue<string>())) : node?.GetValue<string>() ?? "";

    [GeneratedRegex(@"\((\d+),(\d+)\): (warning|error) CS\d+")]
    private static partial Regex CompilerDiagnostic();
}
