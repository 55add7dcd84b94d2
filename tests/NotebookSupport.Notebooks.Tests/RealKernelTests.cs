using System.Text.RegularExpressions;

namespace NotebookSupport.Notebooks.Tests;

/// <summary>
/// Every notebook, run in the kernel users start (<see cref="JupyterKernel"/>): dotnet-interactive 1.0.712001 as its
/// own process, loading the library by the notebooks' <c>#r</c> line from lib/NotebookSupport/bin/Debug/net10.0.
/// Each notebook's wall time is appended to TestResults/notebooks-in-kernel.txt, which .ci/run prints.
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed partial class RealKernelTests(JupyterKernel kernel) : IClassFixture<JupyterKernel>
{
    private static readonly TimeSpan _cellTimeout = TimeSpan.FromMinutes(3);
    // Each default notebook is meant to finish within 3 minutes on 2 cores. That is a speed target, not a unit-test
    // assertion (a busy machine would make it flaky): the time is recorded and tests/run prints it against the budget.
    private static readonly TimeSpan _notebookBudget = TimeSpan.FromMinutes(3);

    [Theory]
    [MemberData(nameof(RepositoryPaths.NotebookNames), MemberType = typeof(RepositoryPaths))]
    public async Task NotebookRunsInTheRealKernelWithoutErrorOutput(string name)
    {
        var run = await kernel.ExecuteAsync(Path.Combine(RepositoryPaths.Notebooks, name), _cellTimeout);
        RecordWallTime(name, run.WallTime);

        AssertNoFailures(run);
        Assert.All(run.Notebook.Cells.Where(c => c.IsCode), cell => Assert.NotNull(cell.ExecutionCount));

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

    [Fact]
    public async Task FailingCellIsReportedWithNotebookNameCellIndexAndSource()
    {
        var path = kernel.WriteNotebook("broken.ipynb",
            NotebookCell.Markdown("# A notebook that fails"),
            NotebookCell.Code("var x = 40 + 2;"),
            NotebookCell.Code("throw new InvalidOperationException(\"boom at \" + x);"));

        var failure = Assert.Single((await kernel.ExecuteAsync(path, _cellTimeout)).Failures());

        Assert.StartsWith("broken.ipynb: cell 2 failed:\nthrow new InvalidOperationException(\"boom at \" + x);", failure);
        Assert.Contains("boom at 42", failure);
    }

    [Fact]
    public async Task CellThatRunsTooLongFailsTheRun()
    {
        var path = kernel.WriteNotebook("slow.ipynb", NotebookCell.Code("System.Threading.Thread.Sleep(120_000);"));

        var e = await Assert.ThrowsAnyAsync<Exception>(() => kernel.ExecuteAsync(path, TimeSpan.FromSeconds(5)));

        Assert.Contains("slow.ipynb did not run to the end in the kernel", e.Message);
        Assert.Contains("Thread.Sleep(120_000)", e.Message);
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

    private static void AssertNoFailures(KernelRun run)
    {
        var failures = run.Failures().ToList();
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    private static void RecordWallTime(string name, TimeSpan wallTime)
    {
        var folder = Directory.CreateDirectory(Path.Combine(RepositoryPaths.Root, "TestResults")).FullName;
        File.AppendAllText(Path.Combine(folder, "notebooks-in-kernel.txt"),
            $"{name}: {wallTime.TotalSeconds:0.0} s in dotnet-interactive 1.0.712001 (Jupyter nbconvert), {DateTime.UtcNow:u}"
            + (wallTime > _notebookBudget ? $", OVER the {_notebookBudget.TotalMinutes:0}-minute budget\n" : $", within the {_notebookBudget.TotalMinutes:0}-minute budget\n"));
    }

    [GeneratedRegex("""(?<name>\w+) = display\("(?<first>[^"]+)"\);(?=[\s\S]*\k<name>\.Update\()""")]
    private static partial Regex UpdatedDisplay();
}
