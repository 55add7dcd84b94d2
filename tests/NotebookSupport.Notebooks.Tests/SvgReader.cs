using System.Globalization;
using System.Xml.Linq;

namespace NotebookSupport.Notebooks.Tests;

/// <summary>Reads back what the SVG plots contain, with an XML parser (so the files are well-formed, too).</summary>
internal static class SvgReader
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>
    /// The heatmap's cell values by row and column, from the rects' data-* attributes; in a figure of several panels
    /// (<c>Figure.SideBySide</c>), those of <paramref name="panel"/>.
    /// </summary>
    public static double[,] HeatmapValues(string svg, int? panel = null)
    {
        var cells = XDocument.Parse(svg).Descendants(Svg + "rect")
            .Where(r => r.Attribute("data-value") is not null)
            .Where(r => panel is null || (string?)r.Attribute("data-panel") == panel.Value.ToString(CultureInfo.InvariantCulture))
            .ToList();
        var n = (int)Math.Round(Math.Sqrt(cells.Count));
        Assert.Equal(n * n, cells.Count);
        var values = new double[n, n];
        foreach (var cell in cells)
        {
            values[(int)cell.Attribute("data-row")!, (int)cell.Attribute("data-col")!] =
                double.Parse(cell.Attribute("data-value")!.Value, CultureInfo.InvariantCulture);
        }

        return values;
    }

    /// <summary>The fill of the heatmap cell at (row, col).</summary>
    public static string CellFill(string svg, int row, int col) =>
        XDocument.Parse(svg).Descendants(Svg + "rect")
            .Single(r => (string?)r.Attribute("data-row") == row.ToString(CultureInfo.InvariantCulture) && (string?)r.Attribute("data-col") == col.ToString(CultureInfo.InvariantCulture))
            .Attribute("fill")!.Value;

    /// <summary>The points of the single polyline of a line plot.</summary>
    public static (double X, double Y)[] PolylinePoints(string svg) =>
        XDocument.Parse(svg).Descendants(Svg + "polyline").Single().Attribute("points")!.Value
            .Split(' ')
            .Select(p => p.Split(','))
            .Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToArray();
}
