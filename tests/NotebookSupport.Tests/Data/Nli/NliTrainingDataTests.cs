using NotebookSupport.Data.Nli;

namespace NotebookSupport.Tests.Data.Nli;

/// <summary>The default data every notebook and <c>st reproduce</c> trains on, and <see cref="NliTrainingData.Combine"/>.</summary>
public sealed class NliTrainingDataTests
{
    [Fact]
    public void DefaultPairsAreTheEntailmentsOfTheBundledSnliDevAndTestCsvInOrder()
    {
        var expected = NliLoader.Load(RepoData.Path("snli", "snli_1.0_dev.csv")).Rows
            .Concat(NliLoader.Load(RepoData.Path("snli", "snli_1.0_test.csv")).Rows)
            .Where(r => r.Label == NliLabel.Entailment)
            .Select(r => (r.Premise, r.Hypothesis));

        var pairs = NliTrainingData.LoadPairs(fullExperiment: false);

        Assert.Equal(expected, pairs.Examples.Select(e => ((string?)e.Texts[0], (string?)e.Texts[1])));
        Assert.Equal(6_697, pairs.Examples.Count);
        Assert.Equal(new Dictionary<string, long> { ["neutral"] = 6_454, ["contradiction"] = 6_515, ["none"] = 334 }, pairs.Dropped);
    }

    [Fact]
    public void DefaultFilesAreInTheGivenDataFolder()
    {
        Assert.Equal(
            [Path.Combine("/d", "snli", "snli_1.0_dev.csv"), Path.Combine("/d", "glue-style", "snli_1.0_test.glue-mnli.parquet")],
            NliTrainingData.DefaultFiles("/d"));
        Assert.Equal(Path.GetDirectoryName(Path.GetDirectoryName(RepoData.Path("snli", "snli_1.0_dev.csv"))), NliTrainingData.FindDataFolder());
    }

    [Fact]
    public void CombineTakesTheLastDatasetsFeaturesAndDropsUnsharedColumns()
    {
        var (first, second) = NliTrainingData.LoadSources(fullExperiment: false);

        var combined = NliTrainingData.Combine(first, second);

        Assert.Equal("{premise: string, hypothesis: string, label: ClassLabel(entailment, neutral, contradiction): int64 not null}", combined.Features.ToString());
        Assert.Equal(first.Rows.Concat(second.Rows), combined.Rows);
        Assert.Throws<ArgumentException>(() => NliTrainingData.Combine());
    }
}
