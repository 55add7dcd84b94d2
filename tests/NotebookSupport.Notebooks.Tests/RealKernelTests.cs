using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NotebookSupport.Notebooks.Tests;

/// <summary>
/// Every notebook, run in the kernel users start (<see cref="RealKernel"/>, the same <see cref="JupyterKernel"/> as
/// <c>st run-notebooks</c>): dotnet-interactive 1.0.712001 as its own process, loading the library by the notebooks'
/// <c>#r</c> line from lib/NotebookSupport/bin/Debug/net10.0. Each notebook runs once; its wall time is appended to
/// TestResults/notebooks-in-kernel.txt, which tests/run prints, and its outputs are compared with the committed ones.
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed partial class RealKernelTests(RealKernel kernel) : IClassFixture<RealKernel>
{
    private static readonly TimeSpan _cellTimeout = RealKernel.CellTimeout;
    // Each default notebook is meant to finish within 3 minutes on 2 cores, notebook 5 (nine trainings) within 10. That
    // is a speed target, not a unit-test assertion (a busy machine would make it flaky): the time is recorded and
    // tests/run prints it against the budget.
    private static TimeSpan NotebookBudget(string name) => TimeSpan.FromMinutes(name.StartsWith("05-", StringComparison.Ordinal) ? 10 : 3);

    [Theory]
    [MemberData(nameof(RepositoryPaths.NotebookNames), MemberType = typeof(RepositoryPaths))]
    public async Task NotebookRunsInTheRealKernelWithoutErrorOutput(string name)
    {
        var run = await kernel.RepositoryNotebookAsync(name);
        RecordWallTime(name, run.WallTime);

        AssertNoFailures(run);
        Assert.All(run.Notebook.Cells.Where(c => c.IsCode), cell => Assert.NotNull(cell.ExecutionCount));
        AssertTrainingShowsItsLesson(name, run);

        // A status display (var status = display("loading...") ... status.Update(...)) must end with its last
        // update in the saved outputs, not with its first text.
        foreach (var (cell, index) in run.Notebook.Cells.Select((c, i) => (c, i)).Where(c => c.c.IsCode))
        {
            foreach (Match shown in UpdatedDisplay().Matches(cell.Source))
            {
                Assert.DoesNotContain(shown.Groups["first"].Value, run.OutputTexts(index));
            }
        }
    }

    [Theory]
    [MemberData(nameof(RepositoryPaths.NotebookNames), MemberType = typeof(RepositoryPaths))]
    public async Task CommittedOutputsMatchAFreshRun(string name)
    {
        var committed = NotebookDocument.Load(Path.Combine(RepositoryPaths.Notebooks, name));

        var drifts = OutputDrift.Compare(committed, (await kernel.RepositoryNotebookAsync(name)).Notebook);

        Assert.True(drifts.Count == 0, OutputDrift.Explain(drifts));
    }

    [Fact]
    public async Task FailingCellsAreReportedWithNotebookNameCellIndexAndSource()
    {
        var path = kernel.WriteNotebook("broken.ipynb",
            NotebookCell.Markdown("# A notebook that fails"),
            NotebookCell.Code("var x = 40 + 2;"),
            NotebookCell.Code("throw new InvalidOperationException(\"boom at \" + x);"),
            NotebookCell.Code("int n = \"not a number\";"));

        var run = await kernel.ExecuteAsync(path, _cellTimeout);

        Assert.Equal([2, 3], run.Failures().Select(f => f.CellIndex));
        var first = Assert.Throws<NotebookCellFailedException>(run.ThrowOnFailure);
        Assert.Equal("broken.ipynb", first.NotebookName);
        Assert.StartsWith("broken.ipynb: cell 2 failed: ", first.Message);
        Assert.Contains("boom at 42", first.Message);
        Assert.Contains("--- cell 2 source ---\nthrow new InvalidOperationException(\"boom at \" + x);\n---", first.Message);
        Assert.Contains("CS0029", run.Failures()[1].Reason);
    }

    [Fact]
    public async Task CellThatRunsTooLongFailsTheRunAndLeavesNoKernelBehind()
    {
        var path = kernel.WriteNotebook("slow.ipynb", NotebookCell.Markdown("# Slow"), NotebookCell.Code("System.Threading.Thread.Sleep(120_000);"));

        var e = await Assert.ThrowsAsync<NotebookCellFailedException>(() => kernel.ExecuteAsync(path, TimeSpan.FromSeconds(5)));

        Assert.Equal(1, e.CellIndex);
        Assert.Contains("slow.ipynb: cell 1 failed: timed out after 5 s", e.Message);
        Assert.Contains("Thread.Sleep(120_000)", e.Message);
        Assert.Empty(ProcessesWorkingIn(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public async Task OutputsAreSavedAsTheKernelShowsThem()
    {
        var path = kernel.WriteNotebook("outputs.ipynb",
            NotebookCell.Code("#r \"" + Path.Combine(RepositoryPaths.Root, "lib", "NotebookSupport", "bin", "Debug", "net10.0", "NotebookSupport.dll") + "\"\nusing NotebookSupport.Plotting;"),
            NotebookCell.Code("Console.WriteLine(\"hello\");\n1 + 2"),
            NotebookCell.Code("LinePlot.Create(new double[] { 3, 2, 1.5, 1.2 })"));

        var run = await kernel.ExecuteAsync(path, _cellTimeout);

        AssertNoFailures(run);
        // The kernel's hidden script looking for its HTTP API is not an output of the first cell.
        Assert.Empty(run.Notebook.Cells[0].Outputs);
        Assert.Equal(["stream", "execute_result"], run.Notebook.Cells[1].Outputs.Select(o => o["output_type"]!.ToString()));
        Assert.Equal(["hello\n", "3"], run.OutputTexts(1));
        var html = run.Notebook.Cells[2].Outputs.Single()["data"]!["text/html"] is JsonArray lines ? string.Concat(lines.Select(l => l!.ToString())) : "";
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\"", html);
        Assert.Contains("<polyline", html);
        Assert.DoesNotContain("<script", html);
        Assert.Empty(ProcessesWorkingIn(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public async Task StaleUnpatchedCopyWhereTorchSharpsFallbackPutsItIsNeverLoaded()
    {
        // A copy of the library's build output (links, not copies) with TorchSharp's fallback folder, cpu/, holding the
        // unpatched NuGet file, as an earlier failed load leaves it.
        var output = Path.Combine(RepositoryPaths.Root, "lib", "NotebookSupport", "bin", "Debug", "net10.0");
        var copy = Directory.CreateTempSubdirectory("notebooksupport-output-").FullName;
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(output))
            {
                File.CreateSymbolicLink(Path.Combine(copy, Path.GetFileName(entry)), entry);
            }

            Directory.CreateDirectory(Path.Combine(copy, "cpu"));
            File.Copy(NativeFiles.NuGetLibTorchSharp, Path.Combine(copy, "cpu", "libLibTorchSharp.so"));
            var path = kernel.WriteNotebook("stale-fallback.ipynb",
                NotebookCell.Code($"#r \"{copy}/NotebookSupport.dll\"\nusing TorchSharp;"),
                NotebookCell.Code("torch.ones(2, 3).sum().item<float>()"),
                NotebookCell.Code("string.Join(\"\\n\", System.IO.File.ReadLines(\"/proc/self/maps\").Where(l => l.Contains(\"libLibTorchSharp\")).Select(l => l[(l.IndexOf('/'))..]).Distinct())"));

            var run = await kernel.ExecuteAsync(path, _cellTimeout);

            AssertNoFailures(run);
            Assert.Equal("6", Assert.Single(run.OutputTexts(1)));
            var mapped = Assert.Single(run.OutputTexts(2)).Split('\n');
            Assert.Equal(Path.Combine(output, "libLibTorchSharp.so"), Assert.Single(mapped));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    // data/heatmap/sentences.txt: the three paraphrase pairs that share no word (as in BundledModelHeatmapTests).
    private static readonly (int A, int B)[] _paraphrasePairs = [(1, 9), (3, 4), (5, 7)];

    /// <summary>
    /// What the training notebooks must show, read from the values they display: notebook 2's loss falls over its
    /// run (recomputed from the per-step losses it prints), and notebook 4's trained model beats the untrained one on
    /// STSb, puts each paraphrase partner of the heatmap sentences at the top of its row, and sets the pairs further
    /// apart from the other sentences than the untrained model does (recomputed from the cells of the two panels in
    /// the heatmap SVG).
    /// </summary>
    private static void AssertTrainingShowsItsLesson(string name, NotebookExecution run)
    {
        var texts = run.Notebook.Cells.Select((c, i) => (c, i)).Where(c => c.c.IsCode).SelectMany(c => run.OutputTexts(c.i)).ToList();
        if (name.StartsWith("02-", StringComparison.Ordinal))
        {
            const string prefix = "loss per step: ";
            var losses = Assert.Single(texts, t => t.StartsWith(prefix, StringComparison.Ordinal))[prefix.Length..]
                .Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
            Assert.True(losses.Count >= 50, $"{name}: only {losses.Count} training steps");
            var fifth = losses.Count / 5;
            var (first, last) = (losses.Take(fifth).Average(), losses.TakeLast(fifth).Average());
            Assert.True(last < first, $"{name}: the mean loss of the last 20% of the steps ({last:0.000}) is not below that of the first 20% ({first:0.000})");
        }
        else if (name.StartsWith("04-", StringComparison.Ordinal))
        {
            var scores = texts.Select(t => StsScores().Match(t)).Single(m => m.Success);
            var (untrained, trained) = (double.Parse(scores.Groups["untrained"].Value, CultureInfo.InvariantCulture), double.Parse(scores.Groups["trained"].Value, CultureInfo.InvariantCulture));
            Assert.True(trained > untrained, $"{name}: the trained model's STSb Spearman {trained} is not above the untrained one's {untrained}");

            var html = run.Notebook.Cells.SelectMany(c => c.Outputs).Select(o => o["data"]?["text/html"]).OfType<System.Text.Json.Nodes.JsonNode>()
                .Select(h => h is System.Text.Json.Nodes.JsonArray lines ? string.Concat(lines.Select(l => l?.GetValue<string>())) : h.GetValue<string>())
                .Single(h => h.Contains("data-panel=\"1\"", StringComparison.Ordinal));
            var svg = html[html.IndexOf("<svg", StringComparison.Ordinal)..(html.LastIndexOf("</svg>", StringComparison.Ordinal) + "</svg>".Length)];
            var (before, after) = (SvgReader.HeatmapValues(svg, panel: 0), SvgReader.HeatmapValues(svg, panel: 1));
            Assert.Equal(10, after.GetLength(0));
            var rows = _paraphrasePairs.SelectMany(p => new[] { (Row: p.A, Partner: p.B), (Row: p.B, Partner: p.A) }).ToList();
            // How far the partner's cell is above the row's largest other off-diagonal cell (negative: not the best match).
            double Margin(double[,] values, int row, int partner) =>
                values[row, partner] - Enumerable.Range(0, values.GetLength(0)).Where(j => j != row && j != partner).Max(j => values[row, j]);
            var margins = rows.Select(r => (r.Row, r.Partner, Before: Margin(before, r.Row, r.Partner), After: Margin(after, r.Row, r.Partner))).ToList();
            var described = string.Join(", ", margins.Select(m => $"{m.Row}->{m.Partner}: {m.Before:0.000} untrained, {m.After:0.000} trained"));
            Assert.True(margins.All(m => m.After > 0), $"{name}: not every paraphrase partner is its row's largest off-diagonal cell for the trained model (margins {described})");
            Assert.True(margins.Average(m => m.After) > margins.Average(m => m.Before), $"{name}: training did not set the paraphrase pairs further apart from the other sentences (margins {described})");
        }
    }

    private static void AssertNoFailures(NotebookExecution run)
    {
        var failures = run.Failures();
        Assert.True(failures.Count == 0, string.Join("\n\n", failures.Select(f => f.Message)));
    }

    // Processes (a kernel left running) whose working directory is the notebook's folder, where Jupyter starts them.
    private static IEnumerable<int> ProcessesWorkingIn(string folder) =>
        Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : -1).Where(pid => pid > 0)
            .Where(pid =>
            {
                try
                {
                    return new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget == folder;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return false;
                }
            })
            .ToList();

    private void RecordWallTime(string name, TimeSpan wallTime)
    {
        var folder = Directory.CreateDirectory(Path.Combine(RepositoryPaths.Root, "TestResults")).FullName;
        File.AppendAllText(Path.Combine(folder, "notebooks-in-kernel.txt"),
            $"{name}: {wallTime.TotalSeconds:0.0} s in dotnet-interactive {kernel.Version} (Jupyter nbconvert), {DateTime.UtcNow:u}"
            + (wallTime > NotebookBudget(name) ? $", OVER the {NotebookBudget(name).TotalMinutes:0}-minute budget\n" : $", within the {NotebookBudget(name).TotalMinutes:0}-minute budget\n"));
    }

    [GeneratedRegex(@"STSb test Spearman: untrained (?<untrained>-?\d+\.\d+), trained (?<trained>-?\d+\.\d+)")]
    private static partial Regex StsScores();

    [GeneratedRegex("""(?<name>\w+) = display\("(?<first>[^"]+)"\);(?=[\s\S]*\k<name>\.Update\()""")]
    private static partial Regex UpdatedDisplay();
}
