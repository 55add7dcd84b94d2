namespace NotebookSupport.Plotting;

/// <summary>
/// The training-loss curve: loss against step, as <c>train</c> and <c>reproduce</c> write it (and <c>Fit</c> with a
/// <see cref="LossCurveCallback"/>).
/// </summary>
/// <example>
/// <code>
/// var result = model.Fit([(loader, loss)]);
/// LossCurve.Create(result.Losses)              // a Figure: shows inline in a notebook
/// LossCurve.Save(result.Losses, LossCurve.FileName);
/// </code>
/// </example>
public static class LossCurve
{
    /// <summary>File name of the loss curve beside a trained model and in a reproduction's run folder.</summary>
    public const string FileName = "loss_curve.png";

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
