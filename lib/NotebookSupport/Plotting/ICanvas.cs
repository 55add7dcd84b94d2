namespace NotebookSupport.Plotting;

/// <summary>
/// The few drawing primitives the plots need. Every plot draws once onto this interface, so the SVG shown in a
/// notebook and the PNG written by the CLI come from the same layout code.
/// </summary>
internal interface ICanvas
{
    void Rectangle(double x, double y, double width, double height, Rgb fill, IReadOnlyDictionary<string, string>? data = null);

    void Line(double x1, double y1, double x2, double y2, Rgb stroke, double strokeWidth = 1);

    void Polyline(IReadOnlyList<(double X, double Y)> points, Rgb stroke, double strokeWidth = 1.5);

    void Text(double x, double y, string text, double fontSize, Rgb color, TextAnchor anchor = TextAnchor.Start, double rotateDegrees = 0);
}

/// <summary>Horizontal alignment of a text run relative to its anchor point.</summary>
internal enum TextAnchor
{
    Start,
    Middle,
    End,
}
