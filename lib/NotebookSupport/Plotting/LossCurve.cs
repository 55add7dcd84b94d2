using ScottPlot;

namespace NotebookSupport.Plotting;

/// <summary>Draws a training-loss curve: every step's loss, faint, and its moving average on top.</summary>
/// <example>
/// <code>
/// var result = model.Fit(trainObjectives: [(loader, loss)], epochs: 1);
/// LossCurve.Save(result.Losses, "loss_curve.png");
/// </code>
/// </example>
public static class LossCurve
{
    /// <summary>Writes the curve of <paramref name="losses"/> as a PNG at <paramref name="path"/> (replaced atomically).</summary>
    /// <param name="losses">(step, loss) pairs in step order.</param>
    /// <param name="path">Destination PNG file.</param>
    /// <param name="title">Title above the plot.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void Save(IReadOnlyList<(int Step, double Loss)> losses, string path, string title = "Training loss", int width = 900, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(losses);
        if (losses.Count == 0)
        {
            throw new ArgumentException("There are no losses to plot.", nameof(losses));
        }
        var steps = losses.Select(l => (double)l.Step).ToArray();
        var values = losses.Select(l => l.Loss).ToArray();
        var window = Math.Max(1, values.Length / 50);

        var plot = new Plot();
        var raw = plot.Add.ScatterLine(steps, values);
        raw.Color = Colors.SteelBlue.WithAlpha(0.35);
        raw.LegendText = "loss per step";
        var smooth = plot.Add.ScatterLine(steps, MovingAverage(values, window));
        smooth.Color = Colors.DarkBlue;
        smooth.LineWidth = 2;
        smooth.LegendText = $"moving average ({window} steps)";
        plot.Title(title);
        plot.XLabel("step");
        plot.YLabel("loss");
        plot.ShowLegend(Alignment.UpperRight);

        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.png");
        plot.SavePng(temporary, width, height);
        File.Move(temporary, path, overwrite: true);
    }

    private static double[] MovingAverage(double[] values, int window)
    {
        var result = new double[values.Length];
        var sum = 0.0;
        for (var i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window)
            {
                sum -= values[i - window];
            }
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
