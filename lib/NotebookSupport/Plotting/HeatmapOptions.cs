namespace NotebookSupport.Plotting;

/// <summary>How <see cref="Heatmap"/> draws a matrix.</summary>
public sealed record HeatmapOptions
{
    /// <summary>Title drawn above the matrix.</summary>
    public string Title { get; init; } = "Cosine similarity";

    /// <summary>Side of one cell in pixels.</summary>
    public int CellSize { get; init; } = 42;

    /// <summary>Font size of labels and cell values.</summary>
    public double FontSize { get; init; } = 11;

    /// <summary>Row labels longer than this are cut and end in an ellipsis.</summary>
    public int MaxLabelLength { get; init; } = 48;

    /// <summary>Whether each cell shows its value with two decimals, as seaborn's <c>annot=True</c>.</summary>
    public bool ShowValues { get; init; } = true;

    /// <summary>Value drawn with the first colour; null = the smallest value in the matrix.</summary>
    public double? Minimum { get; init; }

    /// <summary>Value drawn with the last colour; null = the largest value in the matrix.</summary>
    public double? Maximum { get; init; }

    /// <summary>The colour map (default viridis).</summary>
    public ColorMap ColorMap { get; init; } = ColorMap.Viridis;
}
