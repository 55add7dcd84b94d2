namespace NotebookSupport.Notebooks;

/// <summary>A notebook cell failed, timed out or wrote an error; the message names the notebook, the cell and its source.</summary>
public sealed class NotebookCellFailedException(string notebookName, int cellIndex, string source, string reason)
    : Exception($"{notebookName}: cell {cellIndex} failed: {reason}\n--- cell {cellIndex} source ---\n{source}\n---")
{
    /// <summary>The notebook's file name.</summary>
    public string NotebookName { get; } = notebookName;

    /// <summary>Zero-based index of the cell among all cells (markdown included), as editors count them.</summary>
    public int CellIndex { get; } = cellIndex;

    /// <summary>The failing cell's code.</summary>
    public string CellSource { get; } = source;

    /// <summary>What went wrong: the kernel's error, the timeout, or the error output.</summary>
    public string Reason { get; } = reason;
}
