using System.Globalization;

namespace NotebookSupport.Plotting;

/// <summary>
/// Draws a square matrix, typically the cosine similarities between sentence embeddings, as a heatmap: rows are
/// labelled "index: sentence", columns by index, each cell coloured by its value and annotated with it (as
/// seaborn's <c>heatmap(..., annot=True)</c> in the tutorial). In the SVG each cell is a <c>&lt;rect&gt;</c> with
/// <c>data-row</c>, <c>data-col</c> and <c>data-value</c> attributes, so the numbers can be read back from the file.
/// </summary>
/// <example>
/// <code>
/// var embeddings = model.Encode(sentences, normalizeEmbeddings: true);
/// var figure = Heatmap.Create(Similarity.CosSim(embeddings, embeddings), sentences);
/// figure.Save("similarity.svg");
/// </code>
/// </example>
public static class Heatmap
{
    /// <summary>Creates the heatmap figure of <paramref name="values"/> (n rows of n values) with one label per row.</summary>
    /// <exception cref="ArgumentException">The matrix is empty, not square, or the label count differs from its size.</exception>
    public static Figure Create(IReadOnlyList<IReadOnlyList<float>> values, IReadOnlyList<string> labels, HeatmapOptions? options = null)
    {
        options ??= new HeatmapOptions();
        var n = values.Count;
        if (n == 0)
        {
            throw new ArgumentException("The matrix is empty; expected n rows of n values.", nameof(values));
        }

        for (var i = 0; i < n; i++)
        {
            if (values[i].Count != n)
            {
                throw new ArgumentException($"Row {i} of the matrix has {values[i].Count} values; expected {n} (a square matrix).", nameof(values));
            }
        }

        if (labels.Count != n)
        {
            throw new ArgumentException($"Got {labels.Count} labels for a {n}x{n} matrix; expected one label per row.", nameof(labels));
        }

        var flat = values.SelectMany(row => row).Where(v => !float.IsNaN(v)).Select(v => (double)v).ToList();
        var min = options.Minimum ?? (flat.Count > 0 ? flat.Min() : 0);
        var max = options.Maximum ?? (flat.Count > 0 ? flat.Max() : 1);
        var range = max > min ? max - min : 1;

        var rowLabels = labels.Select((label, i) => $"{i}: {Shorten(label, options.MaxLabelLength)}").ToList();
        var font = options.FontSize;
        var cell = options.CellSize;
        var left = 12 + EstimateWidth(rowLabels.Max(l => l.Length), font) + 8;
        var top = 30 + font * 2.5;
        var colorBarX = left + n * cell + 16;
        var width = (int)Math.Ceiling(colorBarX + 16 + EstimateWidth(6, font) + 12);
        var height = (int)Math.Ceiling(top + n * cell + 16);

        return new Figure(width, height, options.Title, canvas =>
        {
            canvas.Text(left + n * cell / 2.0, 20, options.Title, font * 1.3, Rgb.Black, TextAnchor.Middle);
            for (var j = 0; j < n; j++)
            {
                canvas.Text(left + (j + 0.5) * cell, top - 6, j.ToString(CultureInfo.InvariantCulture), font, Rgb.Black, TextAnchor.Middle);
            }

            for (var i = 0; i < n; i++)
            {
                var y = top + i * cell;
                canvas.Text(left - 8, y + cell / 2.0 + font / 3, rowLabels[i], font, Rgb.Black, TextAnchor.End);
                for (var j = 0; j < n; j++)
                {
                    var value = values[i][j];
                    var color = options.ColorMap.At((value - min) / range);
                    var data = new Dictionary<string, string>
                    {
                        ["row"] = i.ToString(CultureInfo.InvariantCulture),
                        ["col"] = j.ToString(CultureInfo.InvariantCulture),
                        ["value"] = value.ToString("R", CultureInfo.InvariantCulture),
                    };
                    canvas.Rectangle(left + j * cell, y, cell, cell, color, data);
                    if (options.ShowValues)
                    {
                        var ink = color.Luminance > 0.5 ? Rgb.Black : Rgb.White;
                        canvas.Text(left + (j + 0.5) * cell, y + cell / 2.0 + font / 3, value.ToString("0.00", CultureInfo.InvariantCulture), font * 0.9, ink, TextAnchor.Middle);
                    }
                }
            }

            DrawColorBar(canvas, options.ColorMap, colorBarX, top, n * cell, min, max, font);
        });
    }

    /// <summary>Creates the heatmap of a rectangular array (n x n).</summary>
    public static Figure Create(float[,] values, IReadOnlyList<string> labels, HeatmapOptions? options = null)
    {
        var rows = Enumerable.Range(0, values.GetLength(0))
            .Select(i => (IReadOnlyList<float>)Enumerable.Range(0, values.GetLength(1)).Select(j => values[i, j]).ToArray())
            .ToList();
        return Create(rows, labels, options);
    }

    private static void DrawColorBar(ICanvas canvas, ColorMap map, double x, double top, double height, double min, double max, double font)
    {
        const int steps = 64;
        for (var s = 0; s < steps; s++)
        {
            // Top of the bar is the maximum, as in matplotlib.
            canvas.Rectangle(x, top + s * height / steps, 16, height / steps + 0.5, map.At(1 - (s + 0.5) / steps));
        }

        canvas.Text(x + 20, top + font, max.ToString("0.00", CultureInfo.InvariantCulture), font, Rgb.Black);
        canvas.Text(x + 20, top + height, min.ToString("0.00", CultureInfo.InvariantCulture), font, Rgb.Black);
    }

    private static string Shorten(string label, int maxLength)
    {
        label = label.ReplaceLineEndings(" ");
        return label.Length <= maxLength ? label : string.Concat(label.AsSpan(0, Math.Max(1, maxLength - 1)), "…");
    }

    // Roughly 0.6 em per character for a sans-serif font; good enough to leave room for the labels.
    internal static double EstimateWidth(int characters, double fontSize) => characters * fontSize * 0.6;
}
