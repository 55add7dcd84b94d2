using NotebookSupport.Data;

namespace NotebookSupport.Tests.Data.Nli;

/// <summary>The <c>prepare-nli</c> command run as a user runs it: the built CLI in its own process.</summary>
public sealed class PrepareNliCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task WritesPairsFromSeveralFormatsAndReportsEveryDrop()
    {
        FixtureRow[] mnliRows =
        [
            new("Conceptually cream skimming has two basic dimensions.", "Product and geography are what make cream skimming work.", 1),
            new("One of our number will carry out your instructions minutely.", "A member of my team will execute your orders.", 0),
            new("How do you know? All this is their information again.", "", 2),
        ];
        NliFixtures.WriteUtf8(_temp.File("snli.csv"), NliFixtures.Csv(NliFixtures.Rows));
        await NliFixtures.WriteHfParquetAsync(_temp.File("mnli.parquet"), mnliRows, withIdx: true);
        var output = _temp.File("out/pairs.tsv");

        var (exit, stdout, stderr) = await RunAsync("prepare-nli", "--input", _temp.File("snli.csv"), _temp.File("mnli.parquet"), "--output", output);

        Assert.True(exit == 0, stderr);
        var expected = NliFixtures.Rows.Concat(mnliRows[..2]).Where(r => r.Label == 0).Select(r => $"{r.Premise}\t{r.Hypothesis}");
        Assert.Equal(["anchor\tpositive", .. expected], File.ReadAllLines(output));
        Assert.Contains($"{_temp.File("snli.csv")}: 5 rows, entailment 2, neutral 1, contradiction 1, none 1", stdout);
        Assert.Contains($"{_temp.File("mnli.parquet")}: 2 rows, entailment 1, neutral 1, contradiction 0, none 0", stdout);
        Assert.Contains("  skipped 1 rows: empty hypothesis", stdout);
        Assert.Contains("all: 7 rows, entailment 3, neutral 2, contradiction 1, none 1", stdout);
        Assert.Contains("  dropped 1 rows: no gold label (-1)", stdout);
        Assert.Contains("  dropped 2 rows: neutral", stdout);
        Assert.Contains("  dropped 1 rows: contradiction", stdout);
        Assert.Contains($"wrote 3 pairs to {output}", stdout);
    }

    [Fact]
    public async Task WritesTripletsTheTrainCommandCanRead()
    {
        NliFixtures.WriteGzip(_temp.File("AllNLI.tsv.gz"), NliFixtures.AllNliTsv(NliFixtures.Rows));
        var output = _temp.File("triplets.tsv");

        var (exit, stdout, stderr) = await RunAsync("prepare-nli", "--input", _temp.File("AllNLI.tsv.gz"), "--output", output, "--triplets");

        Assert.True(exit == 0, stderr);
        var horse = NliFixtures.Rows[0].Premise;
        Assert.Equal(
            [[horse, NliFixtures.Rows[1].Hypothesis, NliFixtures.Rows[2].Hypothesis]],
            InputExampleTsv.Read(output).Select(e => e.Texts.ToArray()));
        Assert.Contains("  dropped 1 rows: entailment without a contradiction for its premise", stdout);
        Assert.Contains("wrote 1 triplets", stdout);
    }

    [Fact]
    public async Task BadInputFailsWithFileAndLine()
    {
        NliFixtures.WriteUtf8(_temp.File("bad.jsonl"), NliFixtures.SnliJsonl(NliFixtures.Rows[..1]) + "not json\n");

        var (exit, _, stderr) = await RunAsync("prepare-nli", "--input", _temp.File("bad.jsonl"), "--output", _temp.File("x.tsv"));

        Assert.Equal(1, exit);
        Assert.Contains($"error: {_temp.File("bad.jsonl")}:2: not valid JSON", stderr);
        Assert.False(File.Exists(_temp.File("x.tsv")));
    }

    [Fact]
    public async Task ExplicitFormatOverridesTheFileName()
    {
        NliFixtures.WriteUtf8(_temp.File("snli.txt"), NliFixtures.Csv(NliFixtures.Rows));

        var (exit, stdout, stderr) = await RunAsync("prepare-nli", "--input", _temp.File("snli.txt"), "--output", _temp.File("p.tsv"), "--format", "csv");

        Assert.True(exit == 0, stderr);
        Assert.Contains("wrote 2 pairs", stdout);
    }

    [Fact]
    public async Task MissingInputIsAUsageError()
    {
        var (exit, _, stderr) = await RunAsync("prepare-nli", "--output", _temp.File("p.tsv"));

        Assert.NotEqual(0, exit);
        Assert.Contains("--input", stderr);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var run = await ChildProcess.RunAsync(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
            [Path.Combine(AppContext.BaseDirectory, "st.dll"), .. args], Environment.CurrentDirectory, TimeSpan.FromMinutes(2));
        return (run.ExitCode, run.Output, run.Error);
    }
}
