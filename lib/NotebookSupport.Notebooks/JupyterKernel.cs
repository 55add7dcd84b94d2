using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace NotebookSupport.Notebooks;

/// <summary>
/// Executes notebooks in the kernel users start, as <c>jupyter nbconvert --execute</c> does: Debian's
/// <c>jupyter-nbconvert</c> starts <c>dotnet interactive</c> (the tool pinned in the repository's
/// <c>.config/dotnet-tools.json</c>, 1.0.712001) in the notebook's folder, one fresh kernel process per notebook, and
/// runs every code cell within a per-cell timeout. The kernel spec is installed into a private folder
/// (<c>JUPYTER_PATH</c>), so the user's Jupyter set-up is never touched. <c>st run-notebooks</c> and the notebook
/// tests both run notebooks through this class.
/// </summary>
/// <example>
/// <code>
/// using var kernel = await JupyterKernel.InstallAsync("notebooks");
/// var run = await kernel.ExecuteAsync("notebooks/04-heatmap-evaluation.ipynb", new NotebookRunOptions());
/// run.ThrowOnFailure();   // NotebookCellFailedException naming the notebook, the first failing cell and its source
/// </code>
/// </example>
public sealed class JupyterKernel : IDisposable
{
    /// <summary>The kernel spec <c>dotnet interactive jupyter install</c> writes for C#.</summary>
    public const string KernelName = ".net-csharp";

    /// <summary>How to install the Jupyter side, as error messages say it.</summary>
    public const string JupyterInstallCommand = "sudo apt-get install -y jupyter-nbconvert python3-nbclient";

    // nbconvert prints this line (from the hook in ProgressHook) to its standard error as each code cell starts.
    private const string ProgressPrefix = "notebooksupport: cell ";

    // Set on nbconvert and inherited by the kernel, to find the kernel's processes after nbconvert is gone: the
    // `dotnet interactive` launcher Jupyter stops leaves the kernel itself running (at full CPU once its input closes).
    private const string RunVariable = "NOTEBOOKSUPPORT_KERNEL_RUN";

    private static readonly string _progressHook = $$"""
        import sys
        def _cell_started(cell, cell_index, **_):
            print("{{ProgressPrefix}}%d started" % cell_index, file=sys.stderr, flush=True)
        c.ExecutePreprocessor.on_cell_execute = _cell_started
        """;

    private readonly string _folder;
    private readonly string _nbconvert;
    private readonly HashSet<string> _checkedFolders = [];

    private JupyterKernel(string folder, string nbconvert, string version)
    {
        this._folder = folder;
        this._nbconvert = nbconvert;
        Version = version;
    }

    /// <summary>The kernel tool's version, as <c>dotnet interactive --version</c> reports it (e.g. 1.0.712001).</summary>
    public string Version { get; }

    /// <summary>
    /// Finds <c>jupyter-nbconvert</c> and the kernel tool (from <paramref name="workingFolder"/>, whose tool manifest
    /// pins it) and installs the kernel spec into a private folder, deleted by <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">jupyter-nbconvert or the kernel tool is missing; the message says how to install it.</exception>
    public static async Task<JupyterKernel> InstallAsync(string workingFolder, CancellationToken cancellationToken = default)
    {
        var nbconvert = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "jupyter-nbconvert")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"jupyter-nbconvert is not installed, so the notebooks cannot run in the kernel. Install it (Debian): {JupyterInstallCommand}");
        var version = await ToolVersionAsync(Path.GetFullPath(workingFolder), cancellationToken);
        var folder = Directory.CreateTempSubdirectory("jupyter-kernel-").FullName;
        var kernel = new JupyterKernel(folder, nbconvert, version);
        try
        {
            kernel._checkedFolders.Add(Path.GetFullPath(workingFolder));
            File.WriteAllText(Path.Combine(folder, "progress.py"), _progressHook);
            var install = await RunAsync(Dotnet, ["interactive", "jupyter", "install", "--path", Directory.CreateDirectory(Path.Combine(folder, "kernels")).FullName],
                workingFolder, null, null, cancellationToken);
            if (install.ExitCode != 0)
            {
                throw new InvalidOperationException($"`dotnet interactive jupyter install` failed (exit code {install.ExitCode}):\n{install.Output}");
            }

            return kernel;
        }
        catch
        {
            kernel.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Executes the notebook at <paramref name="path"/> top to bottom in a new kernel and returns the executed copy;
    /// the file itself is not changed. Cells that fail do not stop the run: <see cref="NotebookExecution.Failures"/>
    /// lists them all.
    /// </summary>
    /// <exception cref="NotebookCellFailedException">A cell ran longer than <see cref="NotebookRunOptions.CellTimeout"/>; no executed copy exists then.</exception>
    /// <exception cref="InvalidOperationException">The kernel tool is not available in the notebook's folder, or the kernel died.</exception>
    public async Task<NotebookExecution> ExecuteAsync(string path, NotebookRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new NotebookRunOptions();
        path = Path.GetFullPath(path);
        var notebookFolder = Path.GetDirectoryName(path)!;
        if (_checkedFolders.Add(notebookFolder))
        {
            await ToolVersionAsync(notebookFolder, cancellationToken);
        }

        var notebook = NotebookDocument.Load(path);
        var name = Path.GetFileName(path);
        var outputFolder = Directory.CreateDirectory(Path.Combine(_folder, "executed-" + Guid.NewGuid().ToString("N"))).FullName;
        var run = Guid.NewGuid().ToString("N");
        var running = -1;
        var watch = Stopwatch.StartNew();
        var result = await RunAsync(_nbconvert,
            [
                "--config", Path.Combine(_folder, "progress.py"),
                "--to", "notebook", "--execute",
                $"--ExecutePreprocessor.kernel_name={KernelName}",
                $"--ExecutePreprocessor.timeout={Math.Max(1, (int)options.CellTimeout.TotalSeconds)}",
                // Errors are read from the saved outputs, so every failing cell is reported with its index and source.
                "--ExecutePreprocessor.allow_errors=True",
                // Per-cell timestamps would change every committed notebook on every run.
                "--ExecutePreprocessor.record_timing=False",
                "--output-dir", outputFolder, "--output", name, path,
            ],
            notebookFolder,
            new Dictionary<string, string?>
            {
                ["JUPYTER_PATH"] = _folder,
                ["JUPYTER_RUNTIME_DIR"] = Path.Combine(_folder, "runtime"),
                ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
                ["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1",
                [RunVariable] = run,
            },
            line =>
            {
                if (line.StartsWith(ProgressPrefix, StringComparison.Ordinal) && int.TryParse(line[ProgressPrefix.Length..].Split(' ')[0], out var index))
                {
                    running = index;
                    if (index < notebook.Cells.Count)
                    {
                        options.CellStarting?.Invoke(index, notebook.Cells[index]);
                    }
                }
            },
            cancellationToken,
            afterExit: () => StopKernels(run));

        var executed = Path.Combine(outputFolder, name);
        if (result.ExitCode != 0 || !File.Exists(executed))
        {
            if (result.Output.Contains("CellTimeoutError", StringComparison.Ordinal) && running >= 0 && running < notebook.Cells.Count)
            {
                throw new NotebookCellFailedException(name, running, notebook.Cells[running].Source,
                    $"timed out after {options.CellTimeout.TotalSeconds:0} s (the limit for each cell; the first code cell's time includes the kernel's start)");
            }

            throw new InvalidOperationException(
                $"{name} did not run to the end in the kernel (jupyter-nbconvert exited with {result.ExitCode}"
                + (running >= 0 ? $" while cell {running} ran" : "") + $"); its last output:\n{string.Join('\n', result.Output.TrimEnd().Split('\n').TakeLast(40))}");
        }

        var document = NotebookDocument.Load(executed);
        Directory.Delete(outputFolder, recursive: true);
        foreach (var cell in document.Cells)
        {
            // The kernel's first output is a hidden script that looks for its HTTP API on this machine's addresses:
            // plumbing for a live front end, not an output of the cell, and different on every machine and run.
            cell.Outputs.RemoveAll(o => o["data"]?["text/html"] is { } html && NotebookDocument.JoinText(html).Contains("id='dotnet-interactive-this-cell-", StringComparison.Ordinal));
        }

        return new NotebookExecution(document, watch.Elapsed);
    }

    /// <summary>Deletes the private kernel spec folder.</summary>
    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static string Dotnet => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";

    // `dotnet interactive` resolves the tool from the folder's tool manifest, as the kernel Jupyter starts there will.
    private static async Task<string> ToolVersionAsync(string workingFolder, CancellationToken cancellationToken)
    {
        var result = await RunAsync(Dotnet, ["interactive", "--version"], workingFolder, null, null, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"The notebook kernel (dotnet-interactive) is not available in {workingFolder}: run `dotnet tool restore` in the repository "
                + "(it installs the version pinned in .config/dotnet-tools.json), then run again. Notebooks outside the repository need "
                + $"`dotnet tool install -g Microsoft.dotnet-interactive --version 1.0.712001`.\n{result.Output.Trim()}");
        }

        return result.Output.Trim().Split('+')[0];
    }

    // Kills what is left of the kernel, found by the variable it inherited from this run's nbconvert (Linux: /proc).
    private static void StopKernels(string run)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var marker = Encoding.UTF8.GetBytes($"{RunVariable}={run}\0");
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (File.ReadAllBytes(Path.Combine(entry, "environ")).AsSpan().IndexOf(marker) >= 0)
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(TimeSpan.FromSeconds(10));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone already, or another user's process (whose environment cannot be read): not ours to stop.
            }
        }
    }

    private sealed record ProcessResult(int ExitCode, string Output);

    // Runs a program to the end; its standard output and error are merged, as a user's terminal shows them.
    private static async Task<ProcessResult> RunAsync(
        string file, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment,
        Action<string>? onErrorLine, CancellationToken cancellationToken, Action? afterExit = null)
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

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(e.Data, null);
        process.ErrorDataReceived += (_, e) => Append(e.Data, onErrorLine);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Could not start {file} ({e.Message}).", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Not WaitForExitAsync: it also waits for the end of the output, which a kernel left running keeps open.
            while (!process.HasExited)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        finally
        {
            afterExit?.Invoke();
        }

        // The rest of the output, now that nothing holds the pipes.
        using (var drain = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                await process.WaitForExitAsync(drain.Token);
            }
            catch (OperationCanceledException)
            {
                // Something else still holds the pipes: the output read so far is all there is.
            }
        }

        lock (output)
        {
            return new ProcessResult(process.ExitCode, output.ToString());
        }

        void Append(string? line, Action<string>? callback)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            callback?.Invoke(line);
        }
    }
}
