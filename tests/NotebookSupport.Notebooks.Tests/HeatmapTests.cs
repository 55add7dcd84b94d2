using System.Globalization;
using System.Xml.Linq;
using NotebookSupport.Plotting;
using SkiaSharp;

namespace NotebookSupport.Notebooks.Tests;

public sealed class HeatmapTests
{
    private static readonly float[][] Matrix =
    [
        [1.0f, 0.25f, -0.5f],
        [0.25f, 1.0f, 0.125f],
        [-0.5f, 0.125f, 1.0f],
    ];

    [Fact]
    public void SvgCellsCarryTheMatrixValuesExactly()
    {
        var svg = Heatmap.Create(Matrix, ["a", "b", "c"]).ToSvg();

        var values = SvgReader.HeatmapValues(svg);

        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                Assert.Equal(Matrix[i][j], values[i, j]);
            }
        }
    }

    [Fact]
    public void SmallestAndLargestValuesGetTheEndsOfTheColorMap()
    {
        var svg = Heatmap.Create(Matrix, ["a", "b", "c"]).ToSvg();

        Assert.Equal("#440154", SvgReader.CellFill(svg, 0, 2));   // -0.5, viridis' first colour
        Assert.Equal("#fde725", SvgReader.CellFill(svg, 1, 1));   // 1.0, viridis' last colour
    }

    [Fact]
    public void FixedRangeClampsValuesOutsideIt()
    {
        var svg = Heatmap.Create(Matrix, ["a", "b", "c"], new HeatmapOptions { Minimum = 0, Maximum = 0.5 }).ToSvg();

        Assert.Equal("#440154", SvgReader.CellFill(svg, 0, 2));
        Assert.Equal("#fde725", SvgReader.CellFill(svg, 0, 0));
        Assert.Equal(ColorMap.Viridis.At(0.5).ToHex(), SvgReader.CellFill(svg, 0, 1));   // 0.25 is mid-range
    }

    [Fact]
    public void LabelsAndTitleAreEscaped()
    {
        var svg = Heatmap.Create(Matrix, ["x < y & z", "b", "c"], new HeatmapOptions { Title = "A <b> title" }).ToSvg();

        Assert.Contains("0: x &lt; y &amp; z", svg);
        Assert.Contains("<title>A &lt;b&gt; title</title>", svg);
    }

    [Fact]
    public void PngDecodesAtTwiceTheFigureSize()
    {
        var figure = Heatmap.Create(Matrix, ["a", "b", "c"]);

        using var bitmap = SKBitmap.Decode(figure.ToPng());

        Assert.Equal(figure.Width * 2, bitmap.Width);
        Assert.Equal(figure.Height * 2, bitmap.Height);
    }

    [Fact]
    public void SaveWritesSvgOrPngByExtensionAndRejectsOthers()
    {
        var folder = Directory.CreateTempSubdirectory();
        var figure = Heatmap.Create(Matrix, ["a", "b", "c"]);

        figure.Save(Path.Combine(folder.FullName, "h.svg"));
        figure.Save(Path.Combine(folder.FullName, "h.png"));
        var e = Assert.Throws<ArgumentException>(() => figure.Save(Path.Combine(folder.FullName, "h.jpg")));

        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(folder.FullName, "h.svg")));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(folder.FullName, "h.png")).Take(4));
        Assert.Contains("h.jpg", e.Message);
        folder.Delete(true);
    }

    [Fact]
    public void SideBySidePanelsKeepTheirValuesAndSitNextToEachOther()
    {
        float[][] other = [[1.0f, -0.75f], [-0.75f, 1.0f]];
        var left = Heatmap.Create(Matrix, ["a", "b", "c"], new HeatmapOptions { Title = "before" });
        var right = Heatmap.Create(other, ["x", "y"], new HeatmapOptions { Title = "after" });

        var figure = Figure.SideBySide([left, right], "Before & after", gap: 30);
        var svg = figure.ToSvg();

        Assert.Equal(left.Width + 30 + right.Width, figure.Width);
        Assert.True(figure.Height > Math.Max(left.Height, right.Height), "the title needs room above the panels");
        Assert.Contains("<title>Before &amp; after</title>", svg);
        var first = SvgReader.HeatmapValues(svg, panel: 0);
        var second = SvgReader.HeatmapValues(svg, panel: 1);
        Assert.Equal(3, first.GetLength(0));
        Assert.Equal(2, second.GetLength(0));
        Assert.Equal(Matrix[0][2], first[0, 2]);
        Assert.Equal(other[0][1], second[0, 1]);
        // The right panel is drawn where the left one ends plus the gap: its first cell is offset by exactly that much.
        var x = (XElement cell) => double.Parse((string)cell.Attribute("x")!, CultureInfo.InvariantCulture);
        var cells = XDocument.Parse(svg).Descendants((XNamespace)"http://www.w3.org/2000/svg" + "rect").Where(r => r.Attribute("data-value") is not null).ToList();
        var alone = XDocument.Parse(right.ToSvg()).Descendants((XNamespace)"http://www.w3.org/2000/svg" + "rect").First(r => r.Attribute("data-value") is not null);
        var placed = cells.First(r => (string?)r.Attribute("data-panel") == "1");
        Assert.Equal(x(alone) + left.Width + 30, x(placed), 2);

        using var bitmap = SKBitmap.Decode(figure.ToPng(1));
        Assert.Equal(figure.Width, bitmap.Width);
    }

    [Fact]
    public void SideBySideNeedsAPanel()
    {
        var e = Assert.Throws<ArgumentException>(() => Figure.SideBySide([], "nothing"));

        Assert.Contains("at least one figure", e.Message);
    }

    [Fact]
    public void NonSquareMatrixOrWrongLabelCountIsRejected()
    {
        var ragged = Assert.Throws<ArgumentException>(() => Heatmap.Create([[1f, 2f], [3f]], ["a", "b"]));
        var labels = Assert.Throws<ArgumentException>(() => Heatmap.Create(Matrix, ["a", "b"]));

        Assert.Contains("Row 1 of the matrix has 1 values; expected 2", ragged.Message);
        Assert.Contains("Got 2 labels for a 3x3 matrix", labels.Message);
    }
}
