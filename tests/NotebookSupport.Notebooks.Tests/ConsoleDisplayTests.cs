using NotebookSupport.Plotting;

namespace NotebookSupport.Notebooks.Tests;

public sealed class ConsoleDisplayTests
{
    [Fact]
    public void SequencesAreShownOneItemPerLine()
    {
        Assert.Equal($"a{Environment.NewLine}<null>{Environment.NewLine}3", ConsoleDisplay.Describe(new object?[] { "a", null, 3 }));
        Assert.Equal("plain text", ConsoleDisplay.Describe("plain text"));
    }

    [Fact]
    public void FiguresAreSavedAsSvgAndTheirPathShown()
    {
        var previous = ConsoleDisplay.OutputFolder;
        ConsoleDisplay.OutputFolder = Directory.CreateTempSubdirectory().FullName;
        try
        {
            var shown = ConsoleDisplay.Describe(LinePlot.Create([1.0, 0.5], new LinePlotOptions { Title = "Loss: MNR" }));

            var file = Assert.Single(Directory.GetFiles(ConsoleDisplay.OutputFolder));
            Assert.EndsWith("-loss--mnr.svg", file);
            Assert.Equal($"Loss: MNR: written to {file}", shown);
            Assert.Contains("<polyline", File.ReadAllText(file));
        }
        finally
        {
            Directory.Delete(ConsoleDisplay.OutputFolder, true);
            ConsoleDisplay.OutputFolder = previous;
        }
    }
}
