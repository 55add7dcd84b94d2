using NotebookSupport.Cli;

namespace NotebookSupport.Notebooks.Tests;

public sealed class BundledModelHeatmapTests
{
    // data/heatmap/sentences.txt: three paraphrase pairs that share no word, among four unrelated sentences,
    // at the positions of the pairs in the tutorial's heatmap.
    private static readonly (int A, int B)[] _pairs = [(1, 9), (3, 4), (5, 7)];

    [Fact]
    public void ParaphrasePairsAreTheLargestOffDiagonalValuesOfTheirRows()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory().FullName, "heatmap.svg");

        var exitCode = CliApp.Run(["heatmap", "--model", "bundled:all-MiniLM-L6-v2", "--sentences", RepositoryPaths.HeatmapSentences, "--output", output]);

        Assert.Equal(0, exitCode);
        var values = SvgReader.HeatmapValues(File.ReadAllText(output));
        var n = values.GetLength(0);
        Assert.Equal(10, n);
        foreach (var (a, b) in _pairs)
        {
            foreach (var (row, partner) in new[] { (a, b), (b, a) })
            {
                var others = Enumerable.Range(0, n).Where(j => j != row && j != partner).Select(j => values[row, j]);
                Assert.True(values[row, partner] > others.Max(), $"row {row}: its pair {partner} scores {values[row, partner]:0.000}, another sentence {others.Max():0.000}");
            }
        }

        for (var i = 0; i < n; i++)
        {
            Assert.Equal(1.0, values[i, i], 4);   // normalised embeddings: each sentence is identical to itself
            for (var j = 0; j < n; j++)
            {
                Assert.Equal(values[i, j], values[j, i], 5);
            }
        }
    }

    [Fact]
    public void UnknownModelAndWrongExtensionAreRejected()
    {
        var folder = Directory.CreateTempSubdirectory().FullName;

        var errors = new StringWriter();

        var badExtension = CliApp.Run(["heatmap", "-m", "bundled:all-MiniLM-L6-v2", "--sentences", RepositoryPaths.HeatmapSentences, "--output", Path.Combine(folder, "h.jpg")], TextWriter.Null, errors);
        var badModel = CliApp.Run(["heatmap", "-m", Path.Combine(folder, "no-such-model"), "--sentences", RepositoryPaths.HeatmapSentences, "--output", Path.Combine(folder, "h.svg")], TextWriter.Null, errors);

        Assert.Equal(CliApp.BadArguments, badExtension);
        Assert.Equal(CliApp.RuntimeFailure, badModel);
        Assert.Contains("--output: 'h.jpg' must end in .svg or .png", errors.ToString());
        Assert.False(File.Exists(Path.Combine(folder, "h.svg")));
    }
}
