namespace NotebookSupport.Plotting;

/// <summary>One named curve of a <see cref="LinePlot"/>: its points (<paramref name="X"/>[i], <paramref name="Y"/>[i]).</summary>
/// <param name="Name">The legend's label; empty for a plot of one unnamed curve.</param>
/// <param name="X">The x values.</param>
/// <param name="Y">The y values, as many as <paramref name="X"/>.</param>
public sealed record LineSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);
