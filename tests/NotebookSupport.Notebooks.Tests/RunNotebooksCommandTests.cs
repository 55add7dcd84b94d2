using NotebookSupport.Cli;

namespace NotebookSupport.Notebooks.Tests;

/// <summary>
/// <c>run-notebooks</c> builds the library a notebook's <c>#r</c> line loads, so a missing or stale build output never
/// reaches the user as a compiler error inside a cell. A small library of its own stands in for lib/NotebookSupport,
/// whose Debug build the other tests share.
/// </summary>
[Collection(NotebookCollection.Name)]
public sealed class RunNotebooksCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("run-notebooks-").FullName;

    [Fact]
    public void InPlaceBuildsTheReferencedProjectAndRefreshesOnlyTheNamedNotebooksOutputs()
    {
        var notebook = WriteWorkbook("public static class Mini { public static int Answer => 42; }");
        var other = Path.Combine(_folder, "notebooks", "other.ipynb");
        File.Copy(notebook, other);
        var otherBefore = File.ReadAllText(other);
        var before = NotebookDocument.Load(notebook);

        var (exitCode, output, errors) = RunNotebooks(notebook, "--in-place");

        Assert.True(exitCode == CliApp.Success, $"{output}\n{errors}");
        Assert.Contains("building Mini (Debug), which the notebooks load: dotnet build ", output);
        Assert.Matches(@"mini\.ipynb in dotnet-interactive 1\.0\.\d+: cells 0 1 ok in", output);
        Assert.True(File.Exists(Path.Combine(_folder, "lib", "Mini", "bin", "Debug", "net10.0", "Mini.dll")));
        var executed = NotebookDocument.Load(notebook);
        Assert.Contains("42", string.Join(" ", executed.Cells[1].OutputTexts()));
        Assert.Equal(1, executed.Cells[0].ExecutionCount);
        // Sources and metadata are the notebook's own, not the kernel's rewrite of them.
        Assert.Equal(before.Metadata.ToJsonString(), executed.Metadata.ToJsonString());
        Assert.Equal(before.Cells.Select(c => c.Source), executed.Cells.Select(c => c.Source));
        Assert.Equal(otherBefore, File.ReadAllText(other));
        Assert.Equal(["mini.ipynb", "other.ipynb"], Directory.GetFiles(Path.GetDirectoryName(notebook)!).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void MissingKernelToolSaysHowToInstallItAndBuildsNothing()
    {
        var notebook = WriteWorkbook("public static class Mini { public static int Answer => 42; }");
        File.Delete(Path.Combine(_folder, ".config", "dotnet-tools.json"));

        var (exitCode, output, errors) = RunNotebooks(notebook, "--output", Path.Combine(_folder, "out"));

        Assert.Equal(CliApp.RuntimeFailure, exitCode);
        Assert.Contains("error: The notebook kernel (dotnet-interactive) is not available in ", errors);
        Assert.Contains("dotnet tool restore", errors);
        Assert.DoesNotContain("building", output);
    }

    [Fact]
    public void FailedBuildTellsTheExactCommandAndRunsNoCell()
    {
        var (exitCode, output, errors) = RunNotebooks(WriteWorkbook("public static class Mini { public static int Answer => \"not a number\"; }"), "--output", Path.Combine(_folder, "out"));

        Assert.Equal(CliApp.RuntimeFailure, exitCode);
        Assert.Contains("error: Building Mini for the notebooks failed", errors);
        Assert.Contains($"dotnet build {Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(_folder, "lib", "Mini", "Mini.csproj"))} -c Debug", errors);
        Assert.Contains("CS0029", errors);
        Assert.DoesNotContain("cells", output);
        Assert.False(File.Exists(Path.Combine(_folder, "out", "mini.ipynb")));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int ExitCode, string Output, string Errors) RunNotebooks(string notebook, params string[] options)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exitCode = CliApp.Run(["run-notebooks", notebook, .. options], output, errors);
        return (exitCode, output.ToString(), errors.ToString());
    }

    // lib/Mini/Mini.csproj and notebooks/mini.ipynb, laid out as the repository's notebooks and library are, with
    // the repository's tool manifest, from which the kernel is started.
    private string WriteWorkbook(string code)
    {
        var manifest = Path.Combine(Directory.CreateDirectory(Path.Combine(_folder, ".config")).FullName, "dotnet-tools.json");
        File.Copy(Path.Combine(RepositoryPaths.Root, ".config", "dotnet-tools.json"), manifest);
        var project = Directory.CreateDirectory(Path.Combine(_folder, "lib", "Mini")).FullName;
        File.WriteAllText(Path.Combine(project, "Mini.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Mini.cs"), code);
        var notebooks = Directory.CreateDirectory(Path.Combine(_folder, "notebooks")).FullName;
        var path = Path.Combine(notebooks, "mini.ipynb");
        new NotebookDocument("mini.ipynb",
        [
            NotebookCell.Code("#r \"../lib/Mini/bin/Debug/net10.0/Mini.dll\""),
            NotebookCell.Code("Mini.Answer"),
        ]).Save(path);
        return path;
    }
}
