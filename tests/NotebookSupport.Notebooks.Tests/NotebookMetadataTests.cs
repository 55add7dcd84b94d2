namespace NotebookSupport.Notebooks.Tests;

public sealed class NotebookMetadataTests
{
    [Theory]
    [MemberData(nameof(RepositoryPaths.NotebookNames), MemberType = typeof(RepositoryPaths))]
    public void NotebookOpensAsCSharpInVsCode(string name)
    {
        var notebook = NotebookDocument.Load(Path.Combine(RepositoryPaths.Notebooks, name));

        Assert.Empty(NotebookMetadata.Lint(notebook));
    }

    [Theory]
    [MemberData(nameof(RepositoryPaths.NotebookNames), MemberType = typeof(RepositoryPaths))]
    public void CommittedNotebookIsInTheStableForm(string name)
    {
        var path = Path.Combine(RepositoryPaths.Notebooks, name);
        var text = File.ReadAllText(path);

        Assert.Equal(NotebookDocument.Parse(text, name).ToJson(), text);
    }

    [Fact]
    public void LintNamesEveryProblem()
    {
        var json = """
            {
             "cells": [
              {"cell_type": "markdown", "metadata": {}, "source": ["# Title"]},
              {"cell_type": "code", "execution_count": null, "id": "a", "metadata": {"polyglot_notebook": {"kernelName": "fsharp"}}, "outputs": [], "source": ["1"]}
             ],
             "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
             "nbformat": 4,
             "nbformat_minor": 5
            }
            """;

        var problems = NotebookMetadata.Lint(NotebookDocument.Parse(json, "python.ipynb"));

        Assert.Contains("python.ipynb: metadata.kernelspec.name is 'python3'; expected '.net-csharp'", problems);
        Assert.Contains("python.ipynb: metadata.language_info.name is missing; expected 'polyglot-notebook' or 'csharp' or 'C#'", problems);
        Assert.Contains("python.ipynb: metadata.polyglot_notebook.kernelInfo.defaultKernelName is missing; expected 'csharp'", problems);
        Assert.Contains("python.ipynb: code cell 1 has metadata.polyglot_notebook.kernelName 'fsharp'; expected 'csharp'", problems);
    }

    [Fact]
    public void WrittenNotebookHasIdsSortedKeysAndLineLists()
    {
        var notebook = new NotebookDocument("new.ipynb", [NotebookCell.Markdown("# Title\nprose"), NotebookCell.Code("var a = 1;\na")]);

        var json = notebook.ToJson();

        Assert.Empty(NotebookMetadata.Lint(NotebookDocument.Parse(json, "new.ipynb")));
        Assert.Contains("\"id\": \"cell-00\"", json);
        Assert.Contains("\"id\": \"cell-01\"", json);
        Assert.Contains("   \"source\": [\n    \"# Title\\n\",\n    \"prose\"\n   ]", json);
        Assert.True(json.IndexOf("\"cell_type\"", StringComparison.Ordinal) < json.IndexOf("\"id\"", StringComparison.Ordinal));
        Assert.EndsWith("}\n", json);
    }

    [Fact]
    public void NotJsonIsReportedWithLineAndColumn()
    {
        var e = Assert.Throws<InvalidDataException>(() => NotebookDocument.Parse("{\n \"cells\": [,]\n}", "bad.ipynb"));

        Assert.StartsWith("bad.ipynb: line 2, column", e.Message);
    }
}
