using System.IO.Compression;
using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Tests.Hub;

namespace NotebookSupport.Tests.Evaluation;

public sealed class CorrelationTests
{
    [Fact]
    public void SpearmanUsesAverageRanksForTies()
    {
        // ranks x = 1, 2.5, 2.5, 4; ranks y = 1, 3, 2, 4 -> Pearson of ranks = 4.5 / sqrt(4.5 * 5)
        Assert.Equal(4.5 / Math.Sqrt(4.5 * 5), EmbeddingSimilarityEvaluator.Spearman([1, 2, 2, 3], [1, 3, 2, 4]), 12);
        // monotone but not linear: Spearman 1, Pearson below 1
        Assert.Equal(1.0, EmbeddingSimilarityEvaluator.Spearman([1, 2, 3, 4], [1, 10, 100, 1000]), 12);
        Assert.Equal(-1.0, EmbeddingSimilarityEvaluator.Spearman([1, 2, 3], [0.3, 0.2, 0.1]), 12);
    }

    [Fact]
    public void Pearson()
    {
        // dx = -1.5 -0.5 0.5 1.5, dy = -3 -1 0 4: 11 / sqrt(5 * 26)
        Assert.Equal(11 / Math.Sqrt(130), EmbeddingSimilarityEvaluator.Pearson([1, 2, 3, 4], [2, 4, 5, 9]), 12);
    }
}

public sealed class StsBenchmarkTests : IDisposable
{
    private static readonly string _testFile = Path.Combine(RepoRoot(), "data", "stsb", "sts-test.csv");
    private readonly string _folder = Directory.CreateTempSubdirectory("sts").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void LoadsTheTestSplitWithRawQuotesAndExtraFields()
    {
        var pairs = StsBenchmark.Load(_testFile);
        Assert.Equal(1379, pairs.Count);
        Assert.Equal(new StsPair("A girl is styling her hair.", "A girl is brushing her hair.", 2.5), pairs[0]);
        // line 408 has quotes inside a sentence; line 643 has 9 fields (licence columns after sentence 2)
        Assert.Equal("A young boy jumping into a pool that says \"no diving\".", pairs[407].Sentence1);
        Assert.Equal("My answer to your question is \"Probably Not\".", pairs[642].Sentence2);
        Assert.Equal(1.0, pairs[642].Score);
        Assert.All(pairs, p => Assert.InRange(p.Score, 0, 5));
    }

    [Fact]
    public void MalformedLinesNameFileAndLine()
    {
        var path = Path.Combine(_folder, "bad.csv");
        File.WriteAllLines(path, ["g\tf\t2012\t1\t2.5\tA.\tB.", "g\tf\t2012\t2\t3.0\tonly six fields"]);
        var e = Assert.Throws<DataFormatException>(() => StsBenchmark.Load(path));
        Assert.StartsWith($"{path}:2: expected at least 7 tab-separated fields", e.Message);
        Assert.Equal((path, 2L), (e.File, e.Line));

        File.WriteAllLines(path, ["g\tf\t2012\t1\tfive\tA.\tB."]);
        e = Assert.Throws<DataFormatException>(() => StsBenchmark.Load(path));
        Assert.StartsWith($"{path}:1: field 5:", e.Message);
        Assert.Contains("'five'", e.Message);
        Assert.Throws<FileNotFoundException>(() => StsBenchmark.Load(Path.Combine(_folder, "none.csv")));
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e400")]
    public void NonFiniteScoresAreRefusedNamingFileAndLine(string score)
    {
        // double.TryParse accepts all of these, and NaN slips through a range check (NaN < 0 and NaN > 5 are both false).
        var path = Path.Combine(_folder, "nan.csv");
        File.WriteAllLines(path, ["g\tf\t2012\t1\t2.5\tA.\tB.", "", $"g\tf\t2012\t3\t{score}\tC.\tD."]);

        var e = Assert.Throws<DataFormatException>(() => StsBenchmark.Load(path));

        Assert.StartsWith($"{path}:3: field 5:", e.Message);
        Assert.Contains($"'{score}'", e.Message);
        Assert.Contains("finite", e.Message);
    }

    [Fact]
    public void TextThatIsNotUtf8IsRefusedNamingTheLine()
    {
        // File.ReadLines used to turn the bytes into U+FFFD and load a mangled sentence without a word.
        var path = Path.Combine(_folder, "latin1.csv");
        var latin1 = System.Text.Encoding.Latin1.GetBytes("g\tf\t2012\t2\t4.0\tA caf\u00e9.\tA bar.\n");
        File.WriteAllBytes(path, [.. "g\tf\t2012\t1\t2.5\tA.\tB.\n"u8, .. latin1]);

        var e = Assert.Throws<DataFormatException>(() => StsBenchmark.Load(path));

        Assert.StartsWith($"{path}:2: the text is not valid UTF-8.", e.Message);
    }

    [Fact]
    public void GzippedFileGivesTheSamePairs()
    {
        var source = Path.Combine(RepoRoot(), "data", "stsb", "sts-dev.csv");
        var gz = Path.Combine(_folder, "sts-dev.csv.gz");
        using (var input = File.OpenRead(source))
        using (var output = new GZipStream(File.Create(gz), CompressionLevel.Fastest))
        {
            input.CopyTo(output);
        }

        Assert.Equal(StsBenchmark.Load(source), StsBenchmark.Load(gz));
    }

    [Fact]
    public void TrainFileGivesPairsWithTheScoreOverFiveAsLabel()
    {
        var path = Path.Combine(RepoRoot(), "data", "stsb", "sts-train.csv");
        var pairs = StsBenchmark.Load(path);
        var examples = StsBenchmark.LoadInputExamples(path);

        Assert.Equal(pairs.Count, examples.Count);
        Assert.All(pairs.Zip(examples), t =>
        {
            Assert.Equal([t.First.Sentence1, t.First.Sentence2], t.Second.Texts);
            Assert.Equal(t.First.Score / 5, t.Second.Label);
        });
        Assert.InRange(examples.Min(e => e.Label!.Value), 0, 1);
        Assert.InRange(examples.Max(e => e.Label!.Value), 0, 1);
    }

    [Fact]
    public void EvaluatorRefusesNonFiniteGoldScoresNamingTheIndex()
    {
        var e = Assert.Throws<ArgumentException>(() => new EmbeddingSimilarityEvaluator(["a", "b", "c"], ["d", "e", "f"], [1, double.NaN, 3]));

        Assert.Equal("scores", e.ParamName);
        Assert.Contains("scores[1]", e.Message);
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "NotebookSupport.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("NotebookSupport.sln not found above " + AppContext.BaseDirectory);
    }
}

[Collection(BundledMiniLmCollection.Name)]
public sealed class StsBenchmarkScoreTests(BundledMiniLmFixture fixture)
{
    [Fact]
    public void BundledMiniLmReachesThePublishedStsbTestSpearman()
    {
        // sentence-transformers reports 82.03 Spearman (cosine) for all-MiniLM-L6-v2 on the STSb test split.
        var evaluator = EmbeddingSimilarityEvaluator.FromStsFile(Path.Combine(StsBenchmarkTests.RepoRoot(), "data", "stsb", "sts-test.csv"));
        var result = evaluator.Evaluate(fixture.Model);
        Assert.Equal(1379, result.Pairs);
        Assert.Equal("sts-test", result.Name);
        Assert.InRange(result.SpearmanCosine, 82.03 - 0.3, 82.03 + 0.3);
        Assert.InRange(result.PearsonCosine, 75, 90);
    }
}
