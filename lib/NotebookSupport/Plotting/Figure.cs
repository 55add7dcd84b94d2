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
    private readonly Action<ICanvas> draw;

    internal Figure(int width, int height, string title, Action<ICanvas> draw)
    {
        Width = width;
        Height = height;
        Title = title;
        this.draw = draw;
    }

    /// <summary>
    /// Figures drawn next to each other, left to right and aligned at the top, under one <paramref name="title"/>: e.g.
    /// the similarity heatmap of a model before and after training. In the SVG, the data cells of panel <c>k</c>
    /// (counting from 0) carry <c>data-panel="k"</c> besides their own attributes.
    /// </summary>
    /// <example>
    /// <code>
    /// Figure.SideBySide([Heatmap.Create(before, sentences, new() { Title = "Before training" }),
    ///                    Heatmap.Create(after, sentences, new() { Title = "After training" })], "Cosine similarity")
    ///     .Save("heatmap.svg");
    /// </code>
    /// </example>
    /// <param name="panels">The figures, at least one.</param>
    /// <param name="title">The title above all panels; empty for none.</param>
    /// <param name="gap">Space between panels in pixels.</param>
    public static Figure SideBySide(IReadOnlyList<Figure> panels, string title = "", int gap = 24)
    {
        ArgumentNullException.ThrowIfNull(panels);
        ArgumentNullException.ThrowIfNull(title);
        if (panels.Count == 0)
        {
            throw new ArgumentException("There are no panels to draw; expected at least one figure.", nameof(panels));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(gap);
        const double titleFont = 15;
        var top = title.Length == 0 ? 0 : 34;
        var width = panels.Sum(p => p.Width) + gap * (panels.Count - 1);
        var height = top + panels.Max(p => p.Height);
        return new Figure(width, height, title, canvas =>
        {
            if (title.Length > 0)
            {
                canvas.Text(width / 2.0, 22, title, titleFont, Rgb.Black, TextAnchor.Middle);
            }
            double x = 0;
            for (var i = 0; i < panels.Count; i++)
            {
                panels[i].draw(new OffsetCanvas(canvas, x, top, i));
                x += panels[i].Width + gap;
            }
        });
    }

    /// <summary>Width in pixels (SVG user units).</summary>
    public int Width { get; }

    /// <summary>Height in pixels (SVG user units).</summary>
    public int Height { get; }

    /// <summary>The title drawn above the plot and stored in the SVG's &lt;title&gt;.</summary>
    public string Title { get; }

    /// <summary>The figure as a standalone SVG document.</summary>
    public string ToSvg()
    {
        var canvas = new SvgCanvas();
        draw(canvas);
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
        draw(new SkiaCanvas(surface.Canvas));
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
}
