using Microsoft.Data.Analysis;
using NotebookSupport.Data.Nli;

namespace NotebookSupport.Tests.Data.Nli;

/// <summary>Every format, written by hand in exactly that format, loads into the same DataFrame.</summary>
public sealed class NliLoaderFormatTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("snli_1.0_dev.csv", 3329, 3235, 3278, 158, "Two women are embracing while holding to go packages.")]
    [InlineData("snli_1.0_test.csv", 3368, 3219, 3237, 176, "This church choir sings to the masses as they sing joyous songs from the book at a church.")]
    public void BundledSnliCsvHasThePublishedLabelCounts(string file, long entailment, long neutral, long contradiction, long none, string firstPremise)
    {
        var dataset = NliLoader.Load(RepoData.Path("snli", file));

        Assert.Equal(new NliLabelCounts(entailment, neutral, contradiction, none), dataset.CountLabels());
        Assert.Equal(10_000, dataset.RowCount);
        Assert.Empty(dataset.Skipped);
        Assert.Equal(firstPremise, dataset[0].Premise);
    }

    [Fact]
    public async Task EveryFormatGivesTheSameFrameForTheSameRows()
    {
        var rows = NliFixtures.Rows;
        NliFixtures.WriteUtf8(_temp.File("snli.jsonl"), NliFixtures.SnliJsonl(rows));
        NliFixtures.WriteUtf8(_temp.File("multinli.jsonl"), NliFixtures.MultiNliJsonl(rows));
        NliFixtures.WriteUtf8(_temp.File("train.tsv"), NliFixtures.GlueTsv(rows));
        NliFixtures.WriteUtf8(_temp.File("snli.csv"), NliFixtures.Csv(rows));
        NliFixtures.WriteGzip(_temp.File("AllNLI.tsv.gz"), NliFixtures.AllNliTsv(rows));
        NliFixtures.WriteGzip(_temp.File("snli.jsonl.gz"), NliFixtures.SnliJsonl(rows));
        await NliFixtures.WriteHfParquetAsync(_temp.File("snli.parquet"), rows, withIdx: false);
        await NliFixtures.WriteHfParquetAsync(_temp.File("mnli.parquet"), rows, withIdx: true);

        foreach (var file in new[] { "snli.jsonl", "multinli.jsonl", "train.tsv", "snli.csv", "AllNLI.tsv.gz", "snli.jsonl.gz", "snli.parquet", "mnli.parquet" })
        {
            var dataset = NliLoader.Load(_temp.File(file));

            Assert.Equal(rows.Select(r => r.Premise), Strings(dataset.Frame, "premise"));
            Assert.Equal(rows.Select(r => r.Hypothesis), Strings(dataset.Frame, "hypothesis"));
            Assert.Equal(rows.Select(r => (long?)r.Label), (Int64DataFrameColumn)dataset.Frame.Columns["label"]);
            Assert.Equal(NliFeatures.Standard.ToString(), new NliFeatures(dataset.Features.Take(3)).ToString());
            Assert.Empty(dataset.Skipped);
        }
    }

    [Fact]
    public void MultiNliExtraColumnsAgreeBetweenJsonlAndGlueTsv()
    {
        NliFixtures.WriteUtf8(_temp.File("multinli_1.0_train.jsonl"), NliFixtures.MultiNliJsonl(NliFixtures.Rows));
        NliFixtures.WriteUtf8(_temp.File("train.tsv"), NliFixtures.GlueTsv(NliFixtures.Rows));

        var jsonl = NliLoader.Load(_temp.File("multinli_1.0_train.jsonl"));
        var tsv = NliLoader.Load(_temp.File("train.tsv"));

        Assert.Equal(["premise", "hypothesis", "label", "genre", "pairID", "promptID"], jsonl.ColumnNames);
        Assert.Equal(["premise", "hypothesis", "label", "idx", "promptID", "pairID", "genre"], tsv.ColumnNames);
        foreach (var column in new[] { "genre", "pairID" })
        {
            Assert.Equal(Strings(jsonl.Frame, column), Strings(tsv.Frame, column));
        }

        Assert.Equal(NliFixtures.Rows.Select(r => r.Genre), Strings(tsv.Frame, "genre"));
        Assert.Equal(NliFixtures.Rows.Select(r => (int?)r.PromptId), (Int32DataFrameColumn)jsonl.Frame.Columns["promptID"]);
        Assert.Equal(NliFixtures.Rows.Select(r => (int?)r.PromptId), (Int32DataFrameColumn)tsv.Frame.Columns["promptID"]);
        Assert.Equal([0, 1, 2, 3, 4], ((Int32DataFrameColumn)tsv.Frame.Columns["idx"]).Select(v => v!.Value));
    }

    [Fact]
    public void SnliJsonlKeepsCaptionAndPairIds()
    {
        NliFixtures.WriteUtf8(_temp.File("snli_1.0_dev.jsonl"), NliFixtures.SnliJsonl(NliFixtures.Rows));

        var dataset = NliLoader.Load(_temp.File("snli_1.0_dev.jsonl"));

        Assert.Equal(["premise", "hypothesis", "label", "captionID", "pairID"], dataset.ColumnNames);
        Assert.Equal("3416050480.jpg#4", dataset.Frame.Columns["captionID"][0]);
        Assert.Equal("3416050481.jpg#4r1n", dataset.Frame.Columns["pairID"][1]);
    }

    [Fact]
    public async Task ParquetKeepsTheHuggingFaceSchema()
    {
        await NliFixtures.WriteHfParquetAsync(_temp.File("train-00000-of-00001.parquet"), NliFixtures.Rows, withIdx: true);

        var mnli = NliLoader.Load(_temp.File("train-00000-of-00001.parquet"));

        Assert.Equal(
            "{premise: string, hypothesis: string, label: ClassLabel(entailment, neutral, contradiction): int64, idx: int32}",
            mnli.Features.ToString());
        Assert.Equal([0, 1, 2, 3, 4], ((Int32DataFrameColumn)mnli.Frame.Columns["idx"]).Select(v => v!.Value));
    }

    [Theory]
    [InlineData("x.parquet", NliFormat.Parquet)]
    [InlineData("snli_1.0_train.jsonl", NliFormat.Jsonl)]
    [InlineData("snli_1.0_train.jsonl.gz", NliFormat.Jsonl)]
    [InlineData("snli_1.0_dev.csv", NliFormat.Csv)]
    public void DetectsTheFormatFromTheName(string name, NliFormat expected) =>
        Assert.Equal(expected, NliLoader.DetectFormat(name));

    [Fact]
    public void TellsAllNliFromGlueTsvByTheHeader()
    {
        NliFixtures.WriteGzip(_temp.File("AllNLI.tsv.gz"), NliFixtures.AllNliTsv(NliFixtures.Rows));
        NliFixtures.WriteUtf8(_temp.File("dev_matched.tsv"), NliFixtures.GlueTsv(NliFixtures.Rows));

        Assert.Equal(NliFormat.AllNli, NliLoader.DetectFormat(_temp.File("AllNLI.tsv.gz")));
        Assert.Equal(NliFormat.Tsv, NliLoader.DetectFormat(_temp.File("dev_matched.tsv")));
        Assert.Throws<ArgumentException>(() => NliLoader.DetectFormat(_temp.File("data.bin")));
    }

    [Fact]
    public void GlueTestFileWithoutGoldLabelsGivesMinusOne()
    {
        var text = "index\tpromptID\tpairID\tgenre\tsentence1\tsentence2\n0\t1\t1n\tslate\tA premise.\tA hypothesis.\n";
        NliFixtures.WriteUtf8(_temp.File("test_matched.tsv"), text);

        var dataset = NliLoader.Load(_temp.File("test_matched.tsv"));

        Assert.Equal(new NliLabelCounts(0, 0, 0, 1), dataset.CountLabels());
    }

    [Fact]
    public void ReportsProgressWhileStreaming()
    {
        var rows = Enumerable.Range(0, 120_000).Select(i => new FixtureRow($"Premise {i}.", $"Hypothesis {i}.", i % 3));
        NliFixtures.WriteUtf8(_temp.File("big.csv"), NliFixtures.Csv(rows));
        var reports = new List<NliLoadProgress>();

        var dataset = NliLoader.Load(_temp.File("big.csv"), progress: new Collect(reports));

        Assert.Equal(120_000, dataset.RowCount);
        Assert.Equal([50_000L, 100_000L, 120_000L], reports.Select(r => r.Rows));
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.True(reports[0].Fraction is > 0.2 and < 0.8, $"fraction after 50k of 120k rows: {reports[0].Fraction}");
    }

    private static IEnumerable<string> Strings(DataFrame frame, string column) => (StringDataFrameColumn)frame.Columns[column];

    private sealed class Collect(List<NliLoadProgress> reports) : IProgress<NliLoadProgress>
    {
        public void Report(NliLoadProgress value) => reports.Add(value);
    }
}
