namespace NotebookSupport.Plotting;

/// <summary>How <see cref="LinePlot.Create(IReadOnlyList{double}, IReadOnlyList{double}, LinePlotOptions?)"/> draws a curve.</summary>
public sealed record LinePlotOptions
{
    /// <summary>Title drawn above the plot.</summary>
    public string Title { get; init; } = "Training loss";

    /// <summary>Label of the horizontal axis.</summary>
    public string XLabel { get; init; } = "step";

    /// <summary>Label of the vertical axis.</summary>
    public string YLabel { get; init; } = "loss";

    /// <summary>Width of the figure in pixels.</summary>
    public int Width { get; init; } = 640;

    /// <summary>Height of the figure in pixels.</summary>
    public int Height { get; init; } = 360;

    /// <summary>Font size of titles and tick labels.</summary>
    public double FontSize { get; init; } = 11;

    /// <summary>Colour of the curve.</summary>
    public Rgb LineColor { get; init; } = new(31, 119, 180);
}
