using System.Collections.Concurrent;

namespace NotebookSupport.Notebooks.Tests;

/// <summary>
/// The notebook kernel users start, through the same <see cref="JupyterKernel"/> as <c>st run-notebooks</c>:
/// dotnet-interactive 1.0.712001 from the repository's tool manifest, driven by Debian's jupyter-nbconvert. Each
/// repository notebook runs at most once per fixture, so several tests can read the same run.
/// </summary>
public sealed class RealKernel : IDisposable
{
    /// <summary>Each cell's limit in the tests, as in <c>run-notebooks</c>.</summary>
    public static readonly TimeSpan CellTimeout = TimeSpan.FromMinutes(3);

    private readonly JupyterKernel _kernel;
    private readonly ConcurrentDictionary<string, Lazy<Task<NotebookExecution>>> _runs = new();
    private readonly string _testNotebooks = Path.Combine(RepositoryPaths.Root, "TestResults", "kernel-tests", Guid.NewGuid().ToString("N"));

    public RealKernel()
    {
        ChildProcess.RunAsync("dotnet", ["tool", "restore"], RepositoryPaths.Root, TimeSpan.FromMinutes(5)).Result.Succeeded();
        try
        {
            _kernel = JupyterKernel.InstallAsync(RepositoryPaths.Root).GetAwaiter().GetResult();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{e.Message}\n(tests/run installs what the notebook tests need.)", e);
        }
    }

    /// <summary>The kernel tool's version.</summary>
    public string Version => _kernel.Version;

    /// <summary>Executes the notebook at <paramref name="path"/> in a new kernel; the file is not changed.</summary>
    public Task<NotebookExecution> ExecuteAsync(string path, TimeSpan cellTimeout) =>
        _kernel.ExecuteAsync(path, new NotebookRunOptions { CellTimeout = cellTimeout });

    /// <summary>The run of the repository notebook <paramref name="name"/> (notebooks/), started by the first caller.</summary>
    public Task<NotebookExecution> RepositoryNotebookAsync(string name) =>
        _runs.GetOrAdd(name, n => new Lazy<Task<NotebookExecution>>(() => ExecuteAsync(Path.Combine(RepositoryPaths.Notebooks, n), CellTimeout))).Value;

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
        _kernel.Dispose();
        if (Directory.Exists(_testNotebooks))
        {
            Directory.Delete(_testNotebooks, recursive: true);
        }
    }
}
