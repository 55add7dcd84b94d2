using NotebookSupport.Plotting;
using SkiaSharp;

namespace NotebookSupport.Notebooks.Tests;

public sealed class HeatmapTests
{
    private static readonly float[][] _matrix =
    [
        [1.0f, 0.25f, -0.5f],
        [0.25f, 1.0f, 0.125f],
        [-0.5f, 0.125f, 1.0f],
    ];

    [Fact]
    public void SvgCellsCarryTheMatrixValuesExactly()
    {
        var svg = Heatmap.Create(_matrix, ["a", "b", "c"]).ToSvg();

        var values = SvgReader.HeatmapValues(svg);

        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                Assert.Equal(_matrix[i][j], values[i, j]);
            }
        }
    }

    [Fact]
    public void SmallestAndLargestValuesGetTheEndsOfTheColorMap()
    {
        var svg = Heatmap.Create(_matrix, ["a", "b", "c"]).ToSvg();

        Assert.Equal("#440154", SvgReader.CellFill(svg, 0, 2));   // -0.5, viridis' first colour
        Assert.Equal("#fde725", SvgReader.CellFill(svg, 1, 1));   // 1.0, viridis' last colour
    }

    [Fact]
    public void FixedRangeClampsValuesOutsideIt()
    {
        var svg = Heatmap.Create(_matrix, ["a", "b", "c"], new HeatmapOptions { Minimum = 0, Maximum = 0.5 }).ToSvg();

        Assert.Equal("#440154", SvgReader.CellFill(svg, 0, 2));
        Assert.Equal("#fde725", SvgReader.CellFill(svg, 0, 0));
        Assert.Equal(ColorMap.Viridis.At(0.5).ToHex(), SvgReader.CellFill(svg, 0, 1));   // 0.25 is mid-range
    }

    [Fact]
    public void SideBySideKeepsEachPanelsValuesAndPlacesThemLeftToRight()
    {
        float[][] other = [[1.0f, 0.75f], [0.75f, 1.0f]];
        var left = Heatmap.Create(_matrix, ["a", "b", "c"], new HeatmapOptions { Title = "before" });
        var right = Heatmap.Create(other, ["a", "b"], new HeatmapOptions { Title = "after" });

        var both = Figure.SideBySide(left, right);
        var svg = both.ToSvg();

        Assert.Equal(left.Width + 16 + right.Width, both.Width);
        Assert.Equal(Math.Max(left.Height, right.Height), both.Height);
        Assert.Equal(SvgReader.HeatmapValues(left.ToSvg()), SvgReader.HeatmapValues(svg, panel: 0));
        Assert.Equal(SvgReader.HeatmapValues(right.ToSvg()), SvgReader.HeatmapValues(svg, panel: 1));
        var rightCells = System.Xml.Linq.XDocument.Parse(svg).Descendants().Where(e => (string?)e.Attribute("data-panel") == "1").ToList();
        Assert.All(rightCells, cell => Assert.True(double.Parse((string)cell.Attribute("x")!, System.Globalization.CultureInfo.InvariantCulture) >= left.Width + 16));
        using var png = SKBitmap.Decode(both.ToPng(scale: 1));
        Assert.Equal((both.Width, both.Height), (png.Width, png.Height));
    }

    [Fact]
    public void LabelsAndTitleAreEscaped()
    {
        var svg = Heatmap.Create(_matrix, ["x < y & z", "b", "c"], new HeatmapOptions { Title = "A <b> title" }).ToSvg();

        Assert.Contains("0: x &lt; y &amp; z", svg);
        Assert.Contains("<title>A &lt;b&gt; title</title>", svg);
    }

    [Fact]
    public void PngDecodesAtTwiceTheFigureSize()
    {
        var figure = Heatmap.Create(_matrix, ["a", "b", "c"]);

        using var bitmap = SKBitmap.Decode(figure.ToPng());

        Assert.Equal(figure.Width * 2, bitmap.Width);
        Assert.Equal(figure.Height * 2, bitmap.Height);
    }

    [Fact]
    public void SaveWritesSvgOrPngByExtensionAndRejectsOthers()
    {
        var folder = Directory.CreateTempSubdirectory();
        var figure = Heatmap.Create(_matrix, ["a", "b", "c"]);

        figure.Save(Path.Combine(folder.FullName, "h.svg"));
        figure.Save(Path.Combine(folder.FullName, "h.png"));
        var e = Assert.Throws<ArgumentException>(() => figure.Save(Path.Combine(folder.FullName, "h.jpg")));

        Assert.StartsWith("<svg", File.ReadAllText(Path.Combine(folder.FullName, "h.svg")));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(folder.FullName, "h.png")).Take(4));
        Assert.Contains("h.jpg", e.Message);
        folder.Delete(true);
    }

    [Fact]
    public void NonSquareMatrixOrWrongLabelCountIsRejected()
    {
        var ragged = Assert.Throws<ArgumentException>(() => Heatmap.Create([[1f, 2f], [3f]], ["a", "b"]));
        var labels = Assert.Throws<ArgumentException>(() => Heatmap.Create(_matrix, ["a", "b"]));

        Assert.Contains("Row 1 of the matrix has 1 values; expected 2", ragged.Message);
        Assert.Contains("Got 2 labels for a 3x3 matrix", labels.Message);
    }
}
