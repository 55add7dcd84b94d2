using System.Globalization;

namespace NotebookSupport.Plotting;

/// <summary>
/// Draws curves, typically the training loss against the step, with "nice" axis ticks (1, 2 or 5 times a power
/// of ten). In the SVG each curve is a single <c>&lt;polyline&gt;</c>; several named curves get a legend.
/// </summary>
/// <example>
/// <code>
/// var figure = LinePlot.Create(steps, losses, new LinePlotOptions { Title = "MNR loss" });
/// display(figure);
/// display(LinePlot.Create([new LineSeries("MNR", dims, mnr), new LineSeries("Matryoshka", dims, matryoshka)], options));
/// </code>
/// </example>
public static class LinePlot
{
    /// <summary>Creates the plot of <paramref name="y"/> against <paramref name="x"/> (same length, at least one point).</summary>
    /// <exception cref="ArgumentException">The lengths differ, there is no point, or a value is not finite.</exception>
    public static Figure Create(IReadOnlyList<double> x, IReadOnlyList<double> y, LinePlotOptions? options = null) =>
        Create([new LineSeries("", x, y)], options);

    /// <summary>
    /// Creates the plot of several curves on shared axes, the first in <see cref="LinePlotOptions.LineColor"/>, the
    /// others in the next colours of matplotlib's default cycle, with a legend of their names when there are two or more.
    /// </summary>
    /// <exception cref="ArgumentException">No curve, a curve whose lengths differ or that has no point, or a value that is not finite.</exception>
    public static Figure Create(IReadOnlyList<LineSeries> series, LinePlotOptions? options = null)
    {
        options ??= new LinePlotOptions();
        if (series.Count == 0)
        {
            throw new ArgumentException("There is nothing to plot: expected at least one curve.", nameof(series));
        }
        foreach (var (name, x, y) in series)
        {
            var which = series.Count > 1 ? $"Curve '{name}': " : "";
            if (x.Count != y.Count)
            {
                throw new ArgumentException($"{which}Got {x.Count} x values and {y.Count} y values; expected the same number.", nameof(series));
            }

            if (x.Count == 0)
            {
                throw new ArgumentException($"{which}There is nothing to plot: expected at least one point.", nameof(series));
            }

            for (var i = 0; i < x.Count; i++)
            {
                if (!double.IsFinite(x[i]) || !double.IsFinite(y[i]))
                {
                    throw new ArgumentException($"{which}Point {i} is ({x[i]}, {y[i]}); expected finite numbers.", nameof(series));
                }
            }
        }

        var (xMin, xMax, xTicks) = Axis(series.Min(c => c.X.Min()), series.Max(c => c.X.Max()));
        var (yMin, yMax, yTicks) = Axis(series.Min(c => c.Y.Min()), series.Max(c => c.Y.Max()));
        var font = options.FontSize;
        double left = 64, right = 16, top = 36, bottom = 48;
        var plotWidth = options.Width - left - right;
        var plotHeight = options.Height - top - bottom;
        double Px(double v) => left + (v - xMin) / (xMax - xMin) * plotWidth;
        double Py(double v) => top + plotHeight - (v - yMin) / (yMax - yMin) * plotHeight;
        var grey = new Rgb(220, 220, 220);
        Rgb Color(int i) => i == 0 ? options.LineColor : _cycle[i % _cycle.Length];

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
            for (var i = 0; i < series.Count; i++)
            {
                var (_, x, y) = series[i];
                canvas.Polyline(x.Select((xi, k) => (Px(xi), Py(y[k]))).ToList(), Color(i));
            }

            if (series.Count > 1)
            {
                // The legend: a short line in each curve's colour and its name, in the plot's lower right corner.
                var legendTop = top + plotHeight - 8 - series.Count * (font + 6);
                for (var i = 0; i < series.Count; i++)
                {
                    var y = legendTop + i * (font + 6) + font;
                    var x = left + plotWidth - 8;
                    canvas.Line(x - 150, y - font / 3, x - 128, y - font / 3, Color(i), 2);
                    canvas.Text(x - 122, y, series[i].Name, font, Rgb.Black);
                }
            }
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

    // matplotlib's default colour cycle (tab10); the first is LinePlotOptions.LineColor's default.
    private static readonly Rgb[] _cycle =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
