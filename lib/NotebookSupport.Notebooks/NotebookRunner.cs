using System.Text.Json.Nodes;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace NotebookSupport.Notebooks;

/// <summary>
/// Executes a notebook's code cells top to bottom in this process, in a fresh C# kernel of the same
/// Microsoft.DotNet.Interactive release that VS Code's Polyglot Notebooks runs, with the notebook's folder as the
/// working directory (as the editor does, so relative <c>#r</c> paths resolve the same). Outputs (displays and their
/// updates, return values, standard output and error, errors) replace each cell's previous outputs.
/// </summary>
/// <example>
/// <code>
/// var notebook = NotebookDocument.Load("notebooks/04-heatmap-evaluation.ipynb");
/// await NotebookRunner.RunAsync(notebook, "notebooks");   // throws NotebookCellFailedException on the first failure
/// notebook.Save("out/04-heatmap-evaluation.ipynb");
/// </code>
/// </example>
public static class NotebookRunner
{
    // The working directory and the formatter registry are process-wide, so runs take turns.
    private static readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>
    /// Runs every code cell of <paramref name="notebook"/>, whose file lives in <paramref name="notebookFolder"/>,
    /// and stores the outputs in the cells.
    /// </summary>
    /// <exception cref="NotebookCellFailedException">A cell failed, timed out, or produced error output; later cells did not run.</exception>
    public static async Task RunAsync(NotebookDocument notebook, string notebookFolder, NotebookRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new NotebookRunOptions();
        await _gate.WaitAsync(cancellationToken);
        var previousDirectory = Directory.GetCurrentDirectory();
        try
        {
            Directory.SetCurrentDirectory(Path.GetFullPath(notebookFolder));
            Formatter.ResetToDefault();
            using var kernel = CreateKernel();
            var executionCount = 0;
            for (var i = 0; i < notebook.Cells.Count; i++)
            {
                var cell = notebook.Cells[i];
                if (!cell.IsCode)
                {
                    continue;
                }

                var kernelName = cell.KernelName ?? NotebookMetadata.KernelName;
                if (kernelName != NotebookMetadata.KernelName)
                {
                    throw new NotebookCellFailedException(notebook.Name, i, cell.Source, $"the cell asks for kernel '{kernelName}'; only '{NotebookMetadata.KernelName}' is supported");
                }

                options.CellStarting?.Invoke(i, cell);
                cell.ExecutionCount = ++executionCount;
                cell.Outputs.Clear();
                var result = await SubmitAsync(kernel, notebook, i, options.CellTimeout, cancellationToken);
                var error = Collect(result.Events, cell, options.FailOnStandardError);
                if (error is not null)
                {
                    throw new NotebookCellFailedException(notebook.Name, i, cell.Source, error);
                }
            }
        }
        finally
        {
            Directory.SetCurrentDirectory(previousDirectory);
            _gate.Release();
        }
    }

    /// <summary>A composite kernel holding a C# kernel with the helpers (<c>display</c>, <c>HTML</c>) notebooks expect.</summary>
    public static CompositeKernel CreateKernel()
    {
        var csharp = new CSharpKernel().UseKernelHelpers().UseValueSharing();
        return new CompositeKernel { csharp }.UseValueSharing();
    }

    private static async Task<KernelCommandResult> SubmitAsync(Kernel kernel, NotebookDocument notebook, int index, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var source = notebook.Cells[index].Source;
        var submission = kernel.SendAsync(new SubmitCode(source, NotebookMetadata.KernelName), cancellationToken);
        var finished = await Task.WhenAny(submission, Task.Delay(timeout, cancellationToken));
        if (finished != submission)
        {
            await kernel.SendAsync(new Cancel(), CancellationToken.None);
            throw new NotebookCellFailedException(notebook.Name, index, source, $"timed out after {timeout.TotalSeconds:0} s");
        }

        return await submission;
    }

    // Turns the kernel's events into nbformat outputs; returns the error text if the cell failed.
    private static string? Collect(IEnumerable<KernelEvent> events, NotebookCell cell, bool failOnStandardError)
    {
        var displays = new Dictionary<string, JsonObject>();
        var unclaimed = new List<JsonObject>();
        string? error = null;
        foreach (var e in events)
        {
            switch (e)
            {
                case DisplayedValueUpdated updated when Claim(displays, unclaimed, updated.ValueId) is { } shown:
                    shown["data"] = Data(updated.FormattedValues);
                    break;
                case ReturnValueProduced value:
                    cell.Outputs.Add(new JsonObject
                    {
                        ["data"] = Data(value.FormattedValues),
                        ["execution_count"] = cell.ExecutionCount,
                        ["metadata"] = new JsonObject(),
                        ["output_type"] = "execute_result",
                    });
                    break;
                case StandardOutputValueProduced stdout:
                    AppendStream(cell, "stdout", Text(stdout.FormattedValues));
                    break;
                case StandardErrorValueProduced stderr:
                    var text = Text(stderr.FormattedValues);
                    AppendStream(cell, "stderr", text);
                    if (failOnStandardError)
                    {
                        error ??= $"wrote to standard error: {text.Trim()}";
                    }

                    break;
                case DisplayEvent display:
                    var output = new JsonObject
                    {
                        ["data"] = Data(display.FormattedValues),
                        ["metadata"] = new JsonObject(),
                        ["output_type"] = "display_data",
                    };
                    if (display.ValueId is not null)
                    {
                        displays[display.ValueId] = output;
                        unclaimed.Add(output);
                    }

                    cell.Outputs.Add(output);
                    break;
                case CommandFailed failed:
                    var message = failed.Exception?.ToString() ?? failed.Message;
                    cell.Outputs.Add(new JsonObject
                    {
                        ["ename"] = failed.Exception?.GetType().Name ?? "Error",
                        ["evalue"] = failed.Message,
                        ["output_type"] = "error",
                        ["traceback"] = new JsonArray(message.Split('\n').Select(l => (JsonNode?)l.TrimEnd('\r')).ToArray()),
                    });
                    error = failed.Message;
                    break;
            }
        }

        return error;
    }

    // In 1.0.0-beta.26120.1 the display() helper announces a value under one id and updates it under another
    // (DisplayedValue.DisplayId), so an update with an id not seen yet belongs to the latest display not yet updated.
    private static JsonObject? Claim(Dictionary<string, JsonObject> displays, List<JsonObject> unclaimed, string? valueId)
    {
        if (valueId is null)
        {
            return null;
        }

        if (!displays.TryGetValue(valueId, out var shown) && unclaimed.Count > 0)
        {
            shown = unclaimed[^1];
            displays[valueId] = shown;
        }

        if (shown is not null)
        {
            unclaimed.Remove(shown);
        }

        return shown;
    }

    private static void AppendStream(NotebookCell cell, string name, string text)
    {
        if (cell.Outputs.Count > 0 && cell.Outputs[^1]["output_type"]?.ToString() == "stream" && cell.Outputs[^1]["name"]?.ToString() == name)
        {
            cell.Outputs[^1]["text"] = cell.Outputs[^1]["text"] + text;
            return;
        }

        cell.Outputs.Add(new JsonObject { ["name"] = name, ["output_type"] = "stream", ["text"] = text });
    }

    private static JsonObject Data(IEnumerable<FormattedValue> values) =>
        new(values.GroupBy(v => v.MimeType).Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.First().Value)));

    private static string Text(IEnumerable<FormattedValue> values) =>
        values.FirstOrDefault(v => v.MimeType == "text/plain")?.Value ?? values.FirstOrDefault()?.Value ?? "";
}
