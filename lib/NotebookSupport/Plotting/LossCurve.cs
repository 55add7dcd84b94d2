namespace NotebookSupport.Plotting;

/// <summary>The training-loss curve that <c>Fit</c>, <c>train</c> and <c>reproduce</c> write: loss against step.</summary>
/// <example>
/// <code>
/// var result = model.Fit(trainObjectives: [(loader, loss)], epochs: 1);
/// LossCurve.Create(result.Losses)              // a Figure: shows inline in a notebook
/// LossCurve.Save(result.Losses, "loss_curve.png");
/// </code>
/// </example>
public static class LossCurve
{
    /// <summary>The curve of <paramref name="losses"/> ((step, loss) pairs in step order) as a <see cref="Figure"/>.</summary>
    public static Figure Create(IReadOnlyList<(int Step, double Loss)> losses, string title = "Training loss", int width = 900, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(losses);
        if (losses.Count == 0)
        {
            throw new ArgumentException("There are no losses to plot.", nameof(losses));
        }
        return LinePlot.Create([.. losses.Select(l => (double)l.Step)], [.. losses.Select(l => l.Loss)],
            new LinePlotOptions { Title = title, Width = width, Height = height });
    }

    /// <summary>Writes the curve as a PNG (<paramref name="width"/> x <paramref name="height"/> pixels) or SVG, by extension, at <paramref name="path"/>, replaced atomically.</summary>
    public static void Save(IReadOnlyList<(int Step, double Loss)> losses, string path, string title = "Training loss", int width = 900, int height = 500)
    {
        var figure = Create(losses, title, width, height);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileNameWithoutExtension(path)}.{Guid.NewGuid():N}{Path.GetExtension(path)}");
        figure.Save(temporary, pngScale: 1);
        File.Move(temporary, path, overwrite: true);
    }
}
