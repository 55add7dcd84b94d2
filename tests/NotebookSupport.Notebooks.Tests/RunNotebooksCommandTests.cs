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
    public void BuildsTheReferencedProjectWhenItsOutputIsMissing()
    {
        var (exitCode, output, errors) = RunNotebooks(WriteWorkbook("public static class Mini { public static int Answer => 42; }"));

        Assert.True(exitCode == CliApp.Success, $"{output}\n{errors}");
        Assert.Contains($"building Mini (Debug), which the notebooks load: dotnet build ", output);
        Assert.True(File.Exists(Path.Combine(_folder, "lib", "Mini", "bin", "Debug", "net10.0", "Mini.dll")));
        var executed = NotebookDocument.Load(Path.Combine(_folder, "out", "mini.ipynb"));
        Assert.Contains("42", executed.Cells[1].Outputs.Single()["data"]!.ToJsonString());
    }

    [Fact]
    public void FailedBuildTellsTheExactCommandAndRunsNoCell()
    {
        var (exitCode, output, errors) = RunNotebooks(WriteWorkbook("public static class Mini { public static int Answer => \"not a number\"; }"));

        Assert.Equal(CliApp.RuntimeFailure, exitCode);
        Assert.Contains("error: Building Mini for the notebooks failed", errors);
        Assert.Contains($"dotnet build {Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(_folder, "lib", "Mini", "Mini.csproj"))} -c Debug", errors);
        Assert.Contains("CS0029", errors);
        Assert.DoesNotContain("cells", output);
        Assert.False(File.Exists(Path.Combine(_folder, "out", "mini.ipynb")));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private (int ExitCode, string Output, string Errors) RunNotebooks(string notebook)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exitCode = CliApp.Run(["run-notebooks", notebook, "--output", Path.Combine(_folder, "out")], output, errors);
        return (exitCode, output.ToString(), errors.ToString());
    }

    // lib/Mini/Mini.csproj and notebooks/mini.ipynb, laid out as the repository's notebooks and library are.
    private string WriteWorkbook(string code)
    {
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
