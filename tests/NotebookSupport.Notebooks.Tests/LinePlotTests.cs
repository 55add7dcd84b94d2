using NotebookSupport.Plotting;

namespace NotebookSupport.Notebooks.Tests;

public sealed class LinePlotTests
{
    [Fact]
    public void FallingLossIsDrawnFromTopLeftToBottomRight()
    {
        var svg = LinePlot.Create([0, 1, 2, 3], [2.0, 1.5, 1.0, 0.5]).ToSvg();

        var points = SvgReader.PolylinePoints(svg);

        Assert.Equal(4, points.Length);
        Assert.True(points.Zip(points.Skip(1)).All(p => p.Second.X > p.First.X), "x must grow with the step");
        Assert.True(points.Zip(points.Skip(1)).All(p => p.Second.Y > p.First.Y), "a falling loss goes down the page (SVG y grows downwards)");
    }

    [Fact]
    public void PointsAreLinearInTheData()
    {
        var points = SvgReader.PolylinePoints(LinePlot.Create([0, 1, 2], [0.0, 1.0, 2.0]).ToSvg());

        // Equal steps in the data are equal steps on the page (up to the 0.01 px rounding of the SVG).
        Assert.Equal(points[1].X - points[0].X, points[2].X - points[1].X, 0.02);
        Assert.Equal(points[1].Y - points[0].Y, points[2].Y - points[1].Y, 0.02);
    }

    [Theory]
    [InlineData(0.0, 1.0, 0.0, 1.0, 0.2)]
    [InlineData(0.37, 4.2, 0.0, 5.0, 1.0)]
    [InlineData(1.5, 1.5, 1.3, 1.7, 0.1)]
    [InlineData(0.0, 1000.0, 0.0, 1000.0, 200.0)]
    public void AxisUsesNiceTicksCoveringTheData(double min, double max, double expectedLow, double expectedHigh, double expectedStep)
    {
        var (low, high, ticks) = LinePlot.Axis(min, max);

        Assert.Equal(expectedLow, low, 9);
        Assert.Equal(expectedHigh, high, 9);
        Assert.Equal(expectedStep, ticks[1] - ticks[0], 9);
        Assert.Equal(expectedLow, ticks[0], 9);
        Assert.Equal(expectedHigh, ticks[^1], 9);
    }

    [Fact]
    public void SeveralCurvesShareTheAxesAndGetColouredLegendEntries()
    {
        var svg = LinePlot.Create(
            [new LineSeries("before", [64, 128, 384], [70.0, 78.0, 82.0]), new LineSeries("after", [64, 128, 384], [76.0, 80.0, 82.0])]).ToSvg();

        var document = System.Xml.Linq.XDocument.Parse(svg);
        var ns = document.Root!.Name.Namespace;
        var lines = document.Descendants(ns + "polyline").ToList();
        Assert.Equal(2, lines.Count);
        Assert.NotEqual(lines[0].Attribute("stroke")!.Value, lines[1].Attribute("stroke")!.Value);
        static double[] Ys(System.Xml.Linq.XElement line) =>
            [.. line.Attribute("points")!.Value.Split(' ').Select(p => double.Parse(p.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture))];
        // Shared axes: both end at 82, so at the same height; "after" starts higher (smaller SVG y) than "before".
        Assert.Equal(Ys(lines[0])[^1], Ys(lines[1])[^1], 0.02);
        Assert.True(Ys(lines[1])[0] < Ys(lines[0])[0]);
        var texts = document.Descendants(ns + "text").Select(t => t.Value).ToList();
        Assert.Contains("before", texts);
        Assert.Contains("after", texts);
        // A legend line per curve, in that curve's colour.
        var legend = document.Descendants(ns + "line").Where(l => l.Attribute("stroke-width")?.Value == "2").Select(l => l.Attribute("stroke")!.Value).ToList();
        Assert.Equal(lines.Select(l => l.Attribute("stroke")!.Value), legend);

        var error = Assert.Throws<ArgumentException>(() => LinePlot.Create([new LineSeries("a", [0.0], [1.0]), new LineSeries("b", [0, 1], [1.0])]));
        Assert.Contains("Curve 'b': Got 2 x values and 1 y values", error.Message);
    }

    [Fact]
    public void MismatchedOrNonFiniteInputIsRejected()
    {
        var lengths = Assert.Throws<ArgumentException>(() => LinePlot.Create([0, 1], [1.0]));
        var nan = Assert.Throws<ArgumentException>(() => LinePlot.Create([0, 1], [1.0, double.NaN]));

        Assert.Contains("Got 2 x values and 1 y values", lengths.Message);
        Assert.Contains("Point 1 is (1, NaN)", nan.Message);
    }
}
