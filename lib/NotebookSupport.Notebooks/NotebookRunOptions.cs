namespace NotebookSupport.Notebooks;

/// <summary>How <see cref="NotebookRunner"/> executes a notebook.</summary>
public sealed record NotebookRunOptions
{
    /// <summary>Longest a single cell may run before the run fails.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Whether text written to standard error fails the cell (as a red stream in the editor would alarm a reader).</summary>
    public bool FailOnStandardError { get; init; } = true;

    /// <summary>Called before each code cell runs, with the cell's index, e.g. to print progress.</summary>
    public Action<int, NotebookCell>? CellStarting { get; init; }
}
