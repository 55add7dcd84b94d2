using System.Globalization;
using System.Net;
using System.Text;

namespace NotebookSupport.Plotting;

/// <summary>Draws onto a standalone SVG document: no scripts, no external fonts or stylesheets.</summary>
internal sealed class SvgCanvas : ICanvas
{
    private readonly StringBuilder _body = new();

    public void Rectangle(double x, double y, double width, double height, Rgb fill, IReadOnlyDictionary<string, string>? data = null)
    {
        _body.Append($"<rect x=\"{N(x)}\" y=\"{N(y)}\" width=\"{N(width)}\" height=\"{N(height)}\" fill=\"{fill.ToHex()}\"");
        foreach (var (key, value) in data ?? new Dictionary<string, string>())
        {
            _body.Append($" data-{key}=\"{WebUtility.HtmlEncode(value)}\"");
        }

        _body.Append(" />\n");
    }

    public void Line(double x1, double y1, double x2, double y2, Rgb stroke, double strokeWidth = 1) =>
        _body.Append($"<line x1=\"{N(x1)}\" y1=\"{N(y1)}\" x2=\"{N(x2)}\" y2=\"{N(y2)}\" stroke=\"{stroke.ToHex()}\" stroke-width=\"{N(strokeWidth)}\" />\n");

    public void Polyline(IReadOnlyList<(double X, double Y)> points, Rgb stroke, double strokeWidth = 1.5) =>
        _body.Append($"<polyline fill=\"none\" stroke=\"{stroke.ToHex()}\" stroke-width=\"{N(strokeWidth)}\" points=\"")
            .AppendJoin(' ', points.Select(p => $"{N(p.X)},{N(p.Y)}"))
            .Append("\" />\n");

    public void Text(double x, double y, string text, double fontSize, Rgb color, TextAnchor anchor = TextAnchor.Start, double rotateDegrees = 0)
    {
        var anchorName = anchor switch { TextAnchor.Middle => "middle", TextAnchor.End => "end", _ => "start" };
        var rotate = rotateDegrees == 0 ? "" : $" transform=\"rotate({N(rotateDegrees)} {N(x)} {N(y)})\"";
        _body.Append($"<text x=\"{N(x)}\" y=\"{N(y)}\" font-size=\"{N(fontSize)}\" fill=\"{color.ToHex()}\" text-anchor=\"{anchorName}\"{rotate}>")
            .Append(WebUtility.HtmlEncode(text))
            .Append("</text>\n");
    }

    public string ToSvg(int width, int height, string title) =>
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" "
        + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        + $"<title>{WebUtility.HtmlEncode(title)}</title>\n"
        + $"<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\" />\n"
        + _body
        + "</svg>\n";

    private static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
