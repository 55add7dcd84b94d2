using System.Text.RegularExpressions;

namespace NotebookSupport.Notebooks;

/// <summary>A notebook executed by <see cref="JupyterKernel"/>, and how long it took, the kernel's start included.</summary>
public sealed partial record NotebookExecution(NotebookDocument Notebook, TimeSpan WallTime)
{
    /// <summary>
    /// The failing code cells, in order, each naming the notebook, the cell index and its source: error outputs
    /// (exceptions, compilation errors) and compiler diagnostics, which the kernel prints to standard error (so a
    /// warning fails a cell too).
    /// </summary>
    public IReadOnlyList<NotebookCellFailedException> Failures() =>
        Notebook.Cells.Select((cell, index) => (cell, index)).Where(c => c.cell.IsCode)
            .Select(c => (c.index, c.cell.Source, Reasons: c.cell.Outputs
                .Select(o => o["output_type"]?.ToString() == "error"
                    ? $"{o["ename"]}: {o["evalue"]}"
                    : o["name"]?.ToString() == "stderr" && NotebookDocument.JoinText(o["text"]) is var text && CompilerDiagnostic().IsMatch(text) ? text.Trim() : null)
                .OfType<string>().ToList()))
            .Where(c => c.Reasons.Count > 0)
            .Select(c => new NotebookCellFailedException(Notebook.Name, c.index, c.Source, string.Join('\n', c.Reasons)))
            .ToList();

    /// <summary>Throws the first of <see cref="Failures"/>, if any.</summary>
    /// <exception cref="NotebookCellFailedException">A cell failed.</exception>
    public void ThrowOnFailure()
    {
        if (Failures() is [var first, ..])
        {
            throw first;
        }
    }

    /// <summary>The visible text of each output of cell <paramref name="cellIndex"/> (<see cref="NotebookCell.OutputTexts"/>).</summary>
    public IEnumerable<string> OutputTexts(int cellIndex) => Notebook.Cells[cellIndex].OutputTexts();

    [GeneratedRegex(@"\((\d+),(\d+)\): (warning|error) CS\d+")]
    private static partial Regex CompilerDiagnostic();
}
