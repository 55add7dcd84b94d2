namespace NotebookSupport.Notebooks;

/// <summary>How <see cref="JupyterKernel"/> executes a notebook.</summary>
public sealed record NotebookRunOptions
{
    /// <summary>Longest a single cell may run before the run fails.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Called as each code cell starts, with the cell's index among all cells, e.g. to print progress.</summary>
    public Action<int, NotebookCell>? CellStarting { get; init; }
}
