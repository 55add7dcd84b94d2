using System.Text.Json.Nodes;

namespace NotebookSupport.Notebooks.Tests;

/// <summary>The comparison behind RealKernelTests.CommittedOutputsMatchAFreshRun, on small hand-made notebooks.</summary>
public sealed class OutputDriftTests
{
    [Fact]
    public void DriftedScoreIsReportedWithNotebookCellSavedAndFreshValue()
    {
        var saved = Notebook(Stream("sts-test: Spearman 82.03, Pearson 82.74 (cosine, 1379 pairs)"));
        var fresh = Notebook(Stream("sts-test: Spearman 78.40, Pearson 82.74 (cosine, 1379 pairs)"));

        var drift = Assert.Single(OutputDrift.Compare(saved, fresh));

        Assert.Equal("eval.ipynb: cell 2: saved 82.03, fresh run 78.40", drift);
        Assert.Contains("run-notebooks --in-place", OutputDrift.Explain([drift]));
    }

    [Fact]
    public void ChangedTimingsAndSpeedsAreNotDrift()
    {
        var saved = Notebook(Stream("trained 200 steps in 41.2 s (4.9 it/s, 120 ms per batch), loss 1.102, elapsed 00:41"));
        var fresh = Notebook(Stream("trained 200 steps in 97.5 s (2.1 it/s, 480 ms per batch), loss 1.110, elapsed 01:37"));

        Assert.Empty(OutputDrift.Compare(saved, fresh));
    }

    [Fact]
    public void IntegersMustBeEqualAndDecimalsAgreeWithinTheTolerance()
    {
        Assert.Single(OutputDrift.Compare(Notebook(Stream("10,000 rows")), Notebook(Stream("9,999 rows"))));
        // 1.6 points on a Spearman score of 82 is within the tolerance; 2 points is not.
        Assert.Empty(OutputDrift.Compare(Notebook(Stream("Spearman 82.03")), Notebook(Stream("Spearman 80.50"))));
        Assert.Single(OutputDrift.Compare(Notebook(Stream("Spearman 82.03")), Notebook(Stream("Spearman 80.00"))));
        // A cosine similarity printed with two decimals may move by its last digit, not by a tenth.
        Assert.Empty(OutputDrift.Compare(Notebook(Stream("0.63")), Notebook(Stream("0.65"))));
        Assert.Single(OutputDrift.Compare(Notebook(Stream("0.63")), Notebook(Stream("0.53"))));
    }

    [Fact]
    public void FiguresInsideAnSvgHeatmapAreCompared()
    {
        static JsonObject Heatmap(string pair) => new()
        {
            ["data"] = new JsonObject { ["text/html"] = $"<div><svg xmlns=\"http://www.w3.org/2000/svg\"><text x=\"10\">1.00</text><text x=\"20\">{pair}</text></svg></div><style>.x {{ width: 3px; }}</style>" },
            ["execution_count"] = 1,
            ["metadata"] = new JsonObject(),
            ["output_type"] = "execute_result",
        };

        var drift = Assert.Single(OutputDrift.Compare(Notebook(Heatmap("0.69")), Notebook(Heatmap("0.31"))));

        Assert.Equal("eval.ipynb: cell 2: saved 0.69, fresh run 0.31", drift);
        Assert.Equal(["1.00", "0.69"], OutputDrift.Figures(Notebook(Heatmap("0.69")).Cells[2]).Select(f => f.Text));
    }

    [Fact]
    public void MissingOrExtraFiguresAreDrift()
    {
        var drift = Assert.Single(OutputDrift.Compare(Notebook(), Notebook(Stream("6,697 examples"))));

        Assert.Equal("eval.ipynb: cell 2: the saved outputs show 0 figures [], a fresh run 1 [6,697]", drift);
    }

    [Fact]
    public void NumbersInsideNamesAreNotFigures()
    {
        var cell = Notebook(Stream("all-MiniLM-L6-v2 on snli_1.0_dev.csv: token embeddings 4x36x384, 2 layers, -0.05 and 6,697 rows")).Cells[2];

        Assert.Equal(["4", "36", "384", "2", "-0.05", "6,697"], OutputDrift.Figures(cell).Select(f => f.Text));
    }

    // A markdown cell, a cell without outputs and a cell with the given outputs, as the kernel saves them.
    private static NotebookDocument Notebook(params JsonObject[] outputs)
    {
        var cell = NotebookCell.Code("Evaluate();");
        cell.Outputs.AddRange(outputs);
        return new NotebookDocument("eval.ipynb", [NotebookCell.Markdown("# Evaluation"), NotebookCell.Code("var x = 1;"), cell]);
    }

    private static JsonObject Stream(string text) => new() { ["name"] = "stdout", ["output_type"] = "stream", ["text"] = text + "\n" };
}
