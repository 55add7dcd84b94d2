using SkiaSharp;

namespace NotebookSupport.Plotting;

/// <summary>Draws onto a SkiaSharp raster surface, for PNG files.</summary>
internal sealed class SkiaCanvas(SKCanvas canvas) : ICanvas
{
    private static readonly SKTypeface _typeface = LoadTypeface();

    public void Rectangle(double x, double y, double width, double height, Rgb fill, IReadOnlyDictionary<string, string>? data = null)
    {
        using var paint = new SKPaint { Color = Color(fill), Style = SKPaintStyle.Fill, IsAntialias = false };
        canvas.DrawRect((float)x, (float)y, (float)width, (float)height, paint);
    }

    public void Line(double x1, double y1, double x2, double y2, Rgb stroke, double strokeWidth = 1)
    {
        using var paint = Stroke(stroke, strokeWidth);
        canvas.DrawLine((float)x1, (float)y1, (float)x2, (float)y2, paint);
    }

    public void Polyline(IReadOnlyList<(double X, double Y)> points, Rgb stroke, double strokeWidth = 1.5)
    {
        if (points.Count == 0)
        {
            return;
        }

        using var path = new SKPath();
        path.MoveTo((float)points[0].X, (float)points[0].Y);
        foreach (var (x, y) in points.Skip(1))
        {
            path.LineTo((float)x, (float)y);
        }

        using var paint = Stroke(stroke, strokeWidth);
        canvas.DrawPath(path, paint);
    }

    public void Text(double x, double y, string text, double fontSize, Rgb color, TextAnchor anchor = TextAnchor.Start, double rotateDegrees = 0)
    {
        using var font = new SKFont(_typeface, (float)fontSize);
        using var paint = new SKPaint { Color = Color(color), IsAntialias = true };
        var align = anchor switch { TextAnchor.Middle => SKTextAlign.Center, TextAnchor.End => SKTextAlign.Right, _ => SKTextAlign.Left };
        canvas.Save();
        canvas.RotateDegrees((float)rotateDegrees, (float)x, (float)y);
        canvas.DrawText(text, (float)x, (float)y, align, font, paint);
        canvas.Restore();
    }

    private static SKPaint Stroke(Rgb color, double width) =>
        new() { Color = Color(color), Style = SKPaintStyle.Stroke, StrokeWidth = (float)width, IsAntialias = true };

    private static SKColor Color(Rgb c) => new(c.R, c.G, c.B);

    // The NoDependencies native build has no fontconfig, so the default typeface can be empty; load a font file
    // from the usual places instead, and fall back to the default where none is installed.
    private static SKTypeface LoadTypeface()
    {
        string[] candidates =
        [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/TTF/DejaVuSans.ttf",
            "/System/Library/Fonts/Helvetica.ttc",
            "C:\\Windows\\Fonts\\arial.ttf",
        ];
        foreach (var path in candidates.Where(File.Exists))
        {
            var typeface = SKTypeface.FromFile(path);
            if (typeface is not null)
            {
                return typeface;
            }
        }

        return SKTypeface.Default;
    }
}
