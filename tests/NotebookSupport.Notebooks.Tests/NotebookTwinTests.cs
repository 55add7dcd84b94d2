using System.CommandLine;
using NotebookSupport.Cli.Commands;

namespace NotebookSupport.Notebooks.Tests;

[Collection(NotebookCollection.Name)]
public sealed class NotebookTwinTests
{
    [Theory]
    [MemberData(nameof(RepositoryPaths.NotebookNames), MemberType = typeof(RepositoryPaths))]
    public void CommittedTwinEqualsAFreshOne(string name)
    {
        var path = Path.Combine(RepositoryPaths.Notebooks, name);
        var twinPath = NotebookTwin.TwinPath(path);

        Assert.True(File.Exists(twinPath), $"{twinPath} is missing; run `notebook-twins`");
        Assert.Equal(NotebookTwin.Generate(NotebookDocument.Load(path)), File.ReadAllText(twinPath));
    }

    [Fact]
    public void CheckCommandPassesOnTheCommittedTwins()
    {
        var exitCode = NotebookTwinsCommand.Create().Parse(["--check", .. Directory.GetFiles(RepositoryPaths.Notebooks, "*.ipynb")]).Invoke();

        Assert.Equal(0, exitCode);
    }

    [Fact]
    public void TwinTranslatesMarkdownReferencesUsingsTypesAndTrailingExpressions()
    {
        var notebook = new NotebookDocument("01-demo.ipynb",
        [
            NotebookCell.Markdown("# Demo\n\nWhy this matters."),
            NotebookCell.Code("#r \"../lib/NotebookSupport/bin/Debug/net10.0/NotebookSupport.dll\"\n#r \"nuget: Humanizer.Core, 2.14.1\"\nusing NotebookSupport.Plotting;"),
            NotebookCell.Code("using System.Text;\nrecord Point(int X, int Y);\nvar p = new Point(1, 2);\np.X + p.Y"),
            NotebookCell.Code("Console.WriteLine(\"done\");"),
        ]);

        var twin = NotebookTwin.Generate(notebook);

        Assert.Equal(
            """
            // Generated from 01-demo.ipynb by `notebook-twins`; edit the notebook and regenerate, not this file.
            // Run from the repository root: dotnet run notebooks/01-demo.cs
            #:property PublishAot=false
            #:project ../lib/NotebookSupport/NotebookSupport.csproj
            #:package Humanizer.Core@2.14.1

            using NotebookSupport.Plotting;
            using System.Text;
            using static NotebookSupport.Plotting.ConsoleDisplay;

            // A notebook runs in its own folder; so does its twin, wherever `dotnet run` starts, so relative paths agree.
            Directory.SetCurrentDirectory((string)AppContext.GetData("EntryPointFileDirectoryPath")!);

            // # Demo
            //
            // Why this matters.


            var p = new Point(1, 2);
            display(p.X + p.Y);

            Console.WriteLine("done");

            record Point(int X, int Y);

            """.ReplaceLineEndings("\n"),
            twin);
    }

    [Fact]
    public void UntranslatableReferenceNamesTheCell()
    {
        var notebook = new NotebookDocument("02-x.ipynb", [NotebookCell.Markdown("text"), NotebookCell.Code("#r \"/opt/some.dll\"")]);

        var e = Assert.Throws<InvalidDataException>(() => NotebookTwin.Generate(notebook));

        Assert.StartsWith("02-x.ipynb: cell 1: cannot translate '#r \"/opt/some.dll\"'", e.Message);
    }

    [Fact]
    public async Task FirstTwinRunsAsAFileBasedApp()
    {
        var twin = Directory.GetFiles(RepositoryPaths.Notebooks, "01-*.cs").Single();
        (await ChildProcess.RunAsync("dotnet", ["run", Path.GetRelativePath(RepositoryPaths.Root, twin)], RepositoryPaths.Root, TimeSpan.FromMinutes(6))).Succeeded();
    }
}
