using System.Globalization;

namespace NotebookSupport.Plotting;

/// <summary>
/// Draws one curve, typically the training loss against the step, with "nice" axis ticks (1, 2 or 5 times a power
/// of ten). In the SVG the curve is a single <c>&lt;polyline&gt;</c>.
/// </summary>
/// <example>
/// <code>
/// var figure = LinePlot.Create(steps, losses, new LinePlotOptions { Title = "MNR loss" });
/// display(figure);
/// </code>
/// </example>
public static class LinePlot
{
    /// <summary>Creates the plot of <paramref name="y"/> against <paramref name="x"/> (same length, at least one point).</summary>
    /// <exception cref="ArgumentException">The lengths differ, there is no point, or a value is not finite.</exception>
    public static Figure Create(IReadOnlyList<double> x, IReadOnlyList<double> y, LinePlotOptions? options = null)
    {
        options ??= new LinePlotOptions();
        if (x.Count != y.Count)
        {
            throw new ArgumentException($"Got {x.Count} x values and {y.Count} y values; expected the same number.", nameof(y));
        }

        if (x.Count == 0)
        {
            throw new ArgumentException("There is nothing to plot: expected at least one point.", nameof(x));
        }

        for (var i = 0; i < x.Count; i++)
        {
            if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]))
            {
                throw new ArgumentException($"Point {i} is ({x[i]}, {y[i]}); expected finite numbers.", nameof(y));
            }
        }

        var (xMin, xMax, xTicks) = Axis(x.Min(), x.Max());
        var (yMin, yMax, yTicks) = Axis(y.Min(), y.Max());
        var font = options.FontSize;
        double left = 64, right = 16, top = 36, bottom = 48;
        var plotWidth = options.Width - left - right;
        var plotHeight = options.Height - top - bottom;
        double Px(double v) => left + (v - xMin) / (xMax - xMin) * plotWidth;
        double Py(double v) => top + plotHeight - (v - yMin) / (yMax - yMin) * plotHeight;
        var grey = new Rgb(220, 220, 220);

        return new Figure(options.Width, options.Height, options.Title, canvas =>
        {
            canvas.Text(left + plotWidth / 2, 22, options.Title, font * 1.3, Rgb.Black, TextAnchor.Middle);
            foreach (var t in xTicks)
            {
                canvas.Line(Px(t), top, Px(t), top + plotHeight, grey);
                canvas.Text(Px(t), top + plotHeight + font + 4, Format(t), font, Rgb.Black, TextAnchor.Middle);
            }

            foreach (var t in yTicks)
            {
                canvas.Line(left, Py(t), left + plotWidth, Py(t), grey);
                canvas.Text(left - 6, Py(t) + font / 3, Format(t), font, Rgb.Black, TextAnchor.End);
            }

            canvas.Line(left, top + plotHeight, left + plotWidth, top + plotHeight, Rgb.Black);
            canvas.Line(left, top, left, top + plotHeight, Rgb.Black);
            canvas.Text(left + plotWidth / 2, options.Height - 10, options.XLabel, font, Rgb.Black, TextAnchor.Middle);
            canvas.Text(16, top + plotHeight / 2, options.YLabel, font, Rgb.Black, TextAnchor.Middle, -90);
            canvas.Polyline(x.Select((xi, i) => (Px(xi), Py(y[i]))).ToList(), options.LineColor);
        });
    }

    /// <summary>Creates the plot of <paramref name="y"/> against its index 0, 1, 2, ...</summary>
    public static Figure Create(IReadOnlyList<double> y, LinePlotOptions? options = null) =>
        Create(Enumerable.Range(0, y.Count).Select(i => (double)i).ToList(), y, options);

    /// <summary>Axis bounds widened to whole ticks, and the ticks, about five of them.</summary>
    internal static (double Min, double Max, IReadOnlyList<double> Ticks) Axis(double min, double max)
    {
        if (max - min < 1e-12)
        {
            var pad = Math.Abs(min) > 1e-12 ? Math.Abs(min) * 0.1 : 1;
            (min, max) = (min - pad, max + pad);
        }

        var step = NiceStep((max - min) / 5);
        var lo = Math.Floor(min / step) * step;
        var hi = Math.Ceiling(max / step) * step;
        var count = (int)Math.Round((hi - lo) / step);
        var ticks = Enumerable.Range(0, count + 1).Select(k => Math.Round(lo + k * step, 10)).ToList();
        return (lo, hi, ticks);
    }

    private static double NiceStep(double raw)
    {
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var fraction = raw / magnitude;
        var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
