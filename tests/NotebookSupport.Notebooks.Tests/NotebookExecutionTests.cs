using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NotebookSupport.Notebooks.Tests;

[Collection(NotebookCollection.Name)]
public sealed class NotebookExecutionTests
{
    private const string LibraryReference = "#r \"../lib/NotebookSupport/bin/Debug/net10.0/NotebookSupport.dll\"";

    [Theory]
    [MemberData(nameof(RepositoryPaths.NotebookNames), MemberType = typeof(RepositoryPaths))]
    public async Task NotebookRunsTopToBottomWithoutErrorOutput(string name)
    {
        var notebook = NotebookDocument.Load(Path.Combine(RepositoryPaths.Notebooks, name));

        // A failing cell throws NotebookCellFailedException naming the notebook, the cell index and its source.
        await NotebookRunner.RunAsync(notebook, RepositoryPaths.Notebooks, new NotebookRunOptions { CellTimeout = TimeSpan.FromMinutes(3) });

        Assert.All(notebook.Cells.Where(c => c.IsCode), cell =>
        {
            Assert.NotNull(cell.ExecutionCount);
            Assert.DoesNotContain(cell.Outputs, o => o["output_type"]?.ToString() == "error" || o["name"]?.ToString() == "stderr");
        });
    }

    [Fact]
    public async Task FailingCellIsReportedWithNotebookNameCellIndexAndSource()
    {
        var notebook = new NotebookDocument("broken.ipynb",
        [
            NotebookCell.Markdown("# A notebook that fails"),
            NotebookCell.Code("var x = 40 + 2;"),
            NotebookCell.Code("throw new InvalidOperationException(\"boom at \" + x);"),
            NotebookCell.Code("Console.WriteLine(\"never runs\");"),
        ]);

        var e = await Assert.ThrowsAsync<NotebookCellFailedException>(() => NotebookRunner.RunAsync(notebook, RepositoryPaths.Notebooks));

        Assert.Equal("broken.ipynb", e.NotebookName);
        Assert.Equal(2, e.CellIndex);
        Assert.Contains("broken.ipynb: cell 2 failed", e.Message);
        Assert.Contains("throw new InvalidOperationException(\"boom at \" + x);", e.Message);
        Assert.Contains("boom at 42", e.Message);
        Assert.Null(notebook.Cells[3].ExecutionCount);
    }

    [Fact]
    public async Task CompileErrorFailsTheCell()
    {
        var notebook = new NotebookDocument("typo.ipynb", [NotebookCell.Code("int n = \"not a number\";")]);

        var e = await Assert.ThrowsAsync<NotebookCellFailedException>(() => NotebookRunner.RunAsync(notebook, RepositoryPaths.Notebooks));

        Assert.Equal(0, e.CellIndex);
        Assert.Contains("CS0029", e.Reason);
    }

    [Fact]
    public async Task SlowCellFailsAfterTheCellTimeout()
    {
        var notebook = new NotebookDocument("slow.ipynb", [NotebookCell.Code("System.Threading.Thread.Sleep(30_000);")]);
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<NotebookCellFailedException>(() =>
            NotebookRunner.RunAsync(notebook, RepositoryPaths.Notebooks, new NotebookRunOptions { CellTimeout = TimeSpan.FromSeconds(3) }));

        Assert.Contains("timed out", e.Reason);
        // Well before the cell would finish; the margin covers compiling the cell on a busy machine.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"the timeout took {watch.Elapsed}");
    }

    [Fact]
    public async Task OutputsAreCapturedAndUpdatedDisplaysReplaced()
    {
        var notebook = new NotebookDocument("outputs.ipynb",
        [
            NotebookCell.Code("Console.WriteLine(\"hello\");\nvar status = display(\"step 1 of 2\");\nstatus.Update(\"step 2 of 2\");\n1 + 2"),
        ]);

        await NotebookRunner.RunAsync(notebook, RepositoryPaths.Notebooks);

        var outputs = notebook.Cells[0].Outputs;
        Assert.Equal(["stream", "display_data", "execute_result"], outputs.Select(o => o["output_type"]!.ToString()));
        Assert.Equal("hello\n", outputs[0]["text"]!.ToString());
        Assert.Equal("step 2 of 2", outputs[1]["data"]!["text/plain"]!.ToString());
        Assert.Equal("3", Text(outputs[2]["data"]!));
    }

    [Fact]
    public async Task FigureFromTheBuiltLibraryDisplaysAsInlineSvg()
    {
        var notebook = new NotebookDocument("figure.ipynb",
        [
            NotebookCell.Code(LibraryReference + "\nusing NotebookSupport.Plotting;"),
            NotebookCell.Code("LinePlot.Create(new double[] { 3, 2, 1.5, 1.2 })"),
        ]);

        await NotebookRunner.RunAsync(notebook, RepositoryPaths.Notebooks);

        var html = notebook.Cells[1].Outputs.Single()["data"]!["text/html"]!.ToString();
        Assert.StartsWith("<div><svg xmlns=\"http://www.w3.org/2000/svg\"", html);
        Assert.Contains("<polyline", html);
        Assert.DoesNotContain("<script", html);
    }

    [Fact]
    public void HostLoadsTheFSharpCoreTheReleasedKernelShips()
    {
        // dotnet-interactive 1.0.712001 ships FSharp.Core 10.0.x; a newer one here would hide load failures users get.
        var fsharpCore = System.Reflection.Assembly.Load("FSharp.Core");
        var version = FileVersionInfo.GetVersionInfo(fsharpCore.Location).ProductVersion!;

        Assert.StartsWith("10.0.", version);
    }

    // The kernel formats return values as HTML (value plus a <style> block); the visible text is what is left
    // without the style block and the tags.
    private static string Text(JsonNode data) =>
        data["text/plain"]?.ToString()
        ?? Regex.Replace(Regex.Replace(data["text/html"]!.ToString(), "<style>.*?</style>", "", RegexOptions.Singleline), "<[^>]+>", "").Trim();
}
