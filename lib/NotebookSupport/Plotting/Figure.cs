using SkiaSharp;

namespace NotebookSupport.Plotting;

/// <summary>
/// A finished plot (see <see cref="Heatmap"/> and <see cref="LinePlot"/>) that renders to a self-contained SVG
/// (no scripts, no CDN) or a PNG. In a Polyglot notebook a <see cref="Figure"/> displays itself as inline SVG,
/// because the library registers an HTML formatter by convention, without referencing .NET Interactive.
/// </summary>
/// <example>
/// <code>
/// var figure = Heatmap.Create(similarities, labels, new HeatmapOptions { Title = "Cosine similarity" });
/// figure.Save("heatmap.png");   // or .svg
/// display(figure);              // in a notebook
/// </code>
/// </example>
[TypeFormatterSource(typeof(FigureFormatterSource), PreferredMimeTypes = ["text/html"])]
public sealed class Figure
{
    private readonly Action<ICanvas> _draw;

    internal Figure(int width, int height, string title, Action<ICanvas> draw)
    {
        Width = width;
        Height = height;
        Title = title;
        this._draw = draw;
    }

    /// <summary>Width in pixels (SVG user units).</summary>
    public int Width { get; }

    /// <summary>Height in pixels (SVG user units).</summary>
    public int Height { get; }

    /// <summary>The title drawn above the plot and stored in the SVG's &lt;title&gt;.</summary>
    public string Title { get; }

    /// <summary>
    /// One figure of <paramref name="figures"/> drawn left to right, top-aligned, with a 16-pixel gap: a model before
    /// and after training, for instance. Each drawn element keeps its data attributes (a heatmap's <c>data-row</c>,
    /// <c>data-col</c>, <c>data-value</c>) and gains <c>data-panel</c>, the index of its figure, so the values of each
    /// panel can be read back from the SVG.
    /// </summary>
    /// <exception cref="ArgumentException">No figures were given.</exception>
    public static Figure SideBySide(params IReadOnlyList<Figure> figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        if (figures.Count == 0)
        {
            throw new ArgumentException("SideBySide needs at least one figure.", nameof(figures));
        }

        const int gap = 16;
        var offsets = new List<int>();
        var x = 0;
        foreach (var figure in figures)
        {
            offsets.Add(x);
            x += figure.Width + gap;
        }

        return new Figure(x - gap, figures.Max(f => f.Height), string.Join(" | ", figures.Select(f => f.Title)), canvas =>
        {
            for (var i = 0; i < figures.Count; i++)
            {
                figures[i]._draw(new PanelCanvas(canvas, offsets[i], i));
            }
        });
    }

    /// <summary>The figure as a standalone SVG document.</summary>
    public string ToSvg()
    {
        var canvas = new SvgCanvas();
        _draw(canvas);
        return canvas.ToSvg(Width, Height, Title);
    }

    /// <summary>The figure as PNG bytes, drawn at <paramref name="scale"/> times its size.</summary>
    public byte[] ToPng(float scale = 2)
    {
        if (scale <= 0 || float.IsNaN(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The scale must be positive.");
        }

        var info = new SKImageInfo((int)Math.Ceiling(Width * scale), (int)Math.Ceiling(Height * scale));
        using var surface = SKSurface.Create(info);
        surface.Canvas.Clear(SKColors.White);
        surface.Canvas.Scale(scale);
        _draw(new SkiaCanvas(surface.Canvas));
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>Writes the figure to <paramref name="path"/>, as SVG or PNG according to its extension.</summary>
    /// <param name="path">A file name ending in .svg or .png.</param>
    /// <param name="pngScale">Pixels per figure unit in a PNG (2 = sharp on high-density screens).</param>
    public void Save(string path, float pngScale = 2)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        switch (extension)
        {
            case ".svg":
                File.WriteAllText(path, ToSvg());
                break;
            case ".png":
                File.WriteAllBytes(path, ToPng(pngScale));
                break;
            default:
                throw new ArgumentException($"Cannot save a figure as '{path}': expected a file name ending in .svg or .png.", nameof(path));
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"Figure \"{Title}\" ({Width}x{Height}); Save(\"x.svg\" or \"x.png\") to write it to a file";

    /// <summary>Draws a panel of <see cref="SideBySide"/>: shifted right by its offset, data attributes tagged with its index.</summary>
    private sealed class PanelCanvas(ICanvas canvas, double dx, int panel) : ICanvas
    {
        private readonly string _panelIndex = panel.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public void Rectangle(double x, double y, double width, double height, Rgb fill, IReadOnlyDictionary<string, string>? data = null) =>
            canvas.Rectangle(x + dx, y, width, height, fill, data is null ? null : new Dictionary<string, string>(data) { ["panel"] = _panelIndex });

        public void Line(double x1, double y1, double x2, double y2, Rgb stroke, double strokeWidth = 1) =>
            canvas.Line(x1 + dx, y1, x2 + dx, y2, stroke, strokeWidth);

        public void Polyline(IReadOnlyList<(double X, double Y)> points, Rgb stroke, double strokeWidth = 1.5) =>
            canvas.Polyline([.. points.Select(p => (p.X + dx, p.Y))], stroke, strokeWidth);

        public void Text(double x, double y, string text, double fontSize, Rgb color, TextAnchor anchor = TextAnchor.Start, double rotateDegrees = 0) =>
            canvas.Text(x + dx, y, text, fontSize, color, anchor, rotateDegrees);
    }
}
