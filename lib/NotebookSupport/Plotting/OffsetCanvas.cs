namespace NotebookSupport.Plotting;

/// <summary>
/// Draws a panel of a composed figure (<see cref="Figure.SideBySide"/>) at an offset on the figure's canvas; cells that
/// carry data attributes also get <c>data-panel</c>, so the values of each panel can be read back from the SVG.
/// </summary>
internal sealed class OffsetCanvas(ICanvas inner, double dx, double dy, int panel) : ICanvas
{
    public void Rectangle(double x, double y, double width, double height, Rgb fill, IReadOnlyDictionary<string, string>? data = null)
    {
        if (data is not null && !data.ContainsKey("panel"))
        {
            data = new Dictionary<string, string>(data) { ["panel"] = panel.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
        inner.Rectangle(x + dx, y + dy, width, height, fill, data);
    }

    public void Line(double x1, double y1, double x2, double y2, Rgb stroke, double strokeWidth = 1) =>
        inner.Line(x1 + dx, y1 + dy, x2 + dx, y2 + dy, stroke, strokeWidth);

    public void Polyline(IReadOnlyList<(double X, double Y)> points, Rgb stroke, double strokeWidth = 1.5) =>
        inner.Polyline([.. points.Select(p => (p.X + dx, p.Y + dy))], stroke, strokeWidth);

    public void Text(double x, double y, string text, double fontSize, Rgb color, TextAnchor anchor = TextAnchor.Start, double rotateDegrees = 0) =>
        inner.Text(x + dx, y + dy, text, fontSize, color, anchor, rotateDegrees);
}
