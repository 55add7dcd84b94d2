using System.Text.Json;
using NotebookSupport.Cli;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Models;

namespace NotebookSupport.Tests.Hub;

public sealed class CliCommandTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = CliApp.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static string SaveTinyModel(TempFolder temp, bool normalize = false)
    {
        var folder = temp.Combine("tiny");
        using var model = TinyBert.Create(normalize: normalize);
        SentenceTransformerWriter.Save(model, folder);
        return folder;
    }

    [Fact]
    public void EncodeWritesOneJsonArrayPerLineInInputOrder()
    {
        using var temp = new TempFolder();
        var modelFolder = SaveTinyModel(temp);
        var input = temp.Combine("sentences.txt");
        File.WriteAllLines(input, TinyBert.Sentences);
        var output = temp.Combine("out", "embeddings.jsonl");

        var (exitCode, _, error) = Run("encode", "--model", modelFolder, "--input", input, "--output", output, "--batch-size", "2");

        Assert.True(exitCode == 0, error);
        using var model = SentenceTransformer.Load(modelFolder, new ModelLoadOptions { Log = _ => { } });
        var expected = model.Encode(TinyBert.Sentences);
        var lines = File.ReadAllLines(output);
        Assert.Equal(TinyBert.Sentences.Length, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.Equal(expected[i], JsonSerializer.Deserialize<float[]>(lines[i]));
        }
        Assert.Contains("encoded 6 sentences (1 empty)", error);
    }

    [Fact]
    public void EncodeNormalizeGivesUnitVectors()
    {
        using var temp = new TempFolder();
        var modelFolder = SaveTinyModel(temp);
        var input = temp.Combine("sentences.txt");
        File.WriteAllLines(input, TinyBert.Sentences[..3]);
        var output = temp.Combine("embeddings.jsonl");

        var (exitCode, _, error) = Run("encode", "-m", modelFolder, "-i", input, "-o", output, "--normalize");

        Assert.True(exitCode == 0, error);
        foreach (var line in File.ReadAllLines(output))
        {
            var vector = JsonSerializer.Deserialize<float[]>(line)!;
            Assert.Equal(32, vector.Length);
            Assert.Equal(1.0, Math.Sqrt(vector.Sum(v => (double)v * v)), 5);
        }
    }

    [Fact]
    public void EvaluatePrintsSpearmanAndPearsonAndJson()
    {
        using var temp = new TempFolder();
        var modelFolder = SaveTinyModel(temp);
        var sts = temp.Combine("sts.csv");
        File.WriteAllLines(sts,
        [
            "main-captions\tMSRvid\t2012test\t0001\t5.000\tA man is eating food.\tA man is eating food.",
            "main-captions\tMSRvid\t2012test\t0002\t3.800\tA man is playing guitar.\tA woman is playing guitar.",
            "main-captions\tMSRvid\t2012test\t0003\t0.500\tThe dog runs in the park.\tA woman is eating.",
            "main-captions\tMSRvid\t2012test\t0004\t2.000\tThe cat sits on the mat.\tThe dog sits.\tlicence\tsource",
        ]);

        var (exitCode, output, error) = Run("evaluate", "--model", modelFolder, "--sts", sts);
        var (jsonExit, jsonOutput, _) = Run("evaluate", "--model", modelFolder, "--sts", sts, "--json");

        Assert.True(exitCode == 0, error);
        Assert.Equal(0, jsonExit);
        using var model = SentenceTransformer.Load(modelFolder, new ModelLoadOptions { Log = _ => { } });
        var expected = EmbeddingSimilarityEvaluator.FromStsFile(sts).Evaluate(model);
        Assert.Contains($"Spearman {expected.SpearmanCosine:F2}", output);
        Assert.Contains($"Pearson {expected.PearsonCosine:F2}", output);
        var json = JsonDocument.Parse(jsonOutput).RootElement;
        Assert.Equal(4, json.GetProperty("pairs").GetInt32());
        Assert.Equal(expected.SpearmanCosine, json.GetProperty("spearman").GetDouble(), 10);
        Assert.Equal(expected.PearsonCosine, json.GetProperty("pearson").GetDouble(), 10);
    }

    [Theory]
    [InlineData(new[] { "encode", "--input", "a.txt", "--output", "b.jsonl" }, "--model")]
    [InlineData(new[] { "encode", "--model", "m", "--input", "a.txt" }, "--output")]
    [InlineData(new[] { "encode", "--model", "m", "--input", "a", "--output", "b", "--batch-size", "0" }, "--batch-size")]
    [InlineData(new[] { "encode", "--model", "m", "--input", "a", "--output", "b", "--batch-size", "many" }, "many")]
    [InlineData(new[] { "evaluate", "--model", "m" }, "--sts")]
    [InlineData(new[] { "evaluate", "--model", "m", "--sts", "f", "--bogus" }, "--bogus")]
    public void BadArgumentsExitWith2AndSayWhich(string[] args, string named)
    {
        var (exitCode, _, error) = Run(args);

        Assert.Equal(CliApp.BadArguments, exitCode);
        Assert.Contains(named, error);
    }

    // Every command, with a value the parser rejects and, where the command has one, a value only its work can reject:
    // all of them exit with the same code and name the argument. No file named here exists; each is rejected before it is read.
    [Theory]
    [InlineData(new[] { "encode", "-m", "m", "-i", "a.txt", "-o", "b.jsonl", "--batch-size", "0" }, "--batch-size must be at least 1, found 0")]
    [InlineData(new[] { "evaluate", "-m", "m", "--sts", "s.csv", "--batch-size", "-3" }, "--batch-size must be at least 1, found -3")]
    [InlineData(new[] { "prepare-nli", "--input", "a.jsonl", "-o", "p.tsv", "--format", "xml" }, "--format: expected auto, parquet, jsonl, tsv, csv or allnli, got 'xml'")]
    [InlineData(new[] { "train", "-m", "random:bert-tiny", "--data", "p.tsv", "-o", "out", "--loss", "mse" }, "--loss: expected mnr, mnr-symmetric, cached-mnr, softmax, gist, cached-gist, cosent, angle or cosine, got 'mse'")]
    [InlineData(new[] { "train", "-m", "random:bert-tiny", "--data", "p.tsv", "-o", "out", "--matryoshka-dims", "384,abc" }, "--matryoshka-dims: expected positive whole numbers separated by commas")]
    [InlineData(new[] { "train", "-m", "random:bert-tiny", "--data", "p.tsv", "-o", "out", "--matryoshka-dims", "64,64" }, "--matryoshka-dims: each dimension once")]
    [InlineData(new[] { "train", "-m", "random:bert-tiny", "--data", "p.tsv", "-o", "out", "--epochs", "0" }, "--epochs must be at least 1, found 0")]
    [InlineData(new[] { "train", "-m", "random:bert-tiny", "--data", "p.tsv", "-o", "out", "--resume-changed" }, "--resume-changed only applies to a resume; add --resume")]
    [InlineData(new[] { "run-notebooks", "notes.txt" }, "notebooks: 'notes.txt' is not a notebook")]
    [InlineData(new[] { "run-notebooks", "--output", "out", "--in-place" }, "--output and --in-place exclude each other")]
    [InlineData(new[] { "notebook-twins", "01-preprocessing.cs" }, "notebooks: '01-preprocessing.cs' is not a notebook")]
    [InlineData(new[] { "heatmap", "-m", "m", "-s", "s.txt", "-o", "h.jpg" }, "--output: 'h.jpg' must end in .svg or .png")]
    [InlineData(new[] { "reproduce", "-o", "run", "--warmup-ratio", "1" }, "--warmup-ratio must be in [0, 1), found 1")]
    [InlineData(new[] { "reproduce", "-o", "run", "--preset", "fast" }, "--preset: expected default or video, got 'fast'")]
    public void EveryCommandExitsWith2OnABadArgumentNamingIt(string[] args, string message)
    {
        var (exitCode, output, error) = Run(args);

        Assert.True(exitCode == CliApp.BadArguments, $"exit code {exitCode}\n{error}{output}");
        Assert.Contains(message, error);
    }

    [Fact]
    public void HelpListsTheOptions()
    {
        var (exitCode, output, _) = Run("encode", "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("--model", output);
        Assert.Contains("--normalize", output);
        Assert.Contains("--batch-size", output);
    }

    [Fact]
    public void MissingInputFileExitsWith1NamingIt()
    {
        using var temp = new TempFolder();
        var input = temp.Combine("missing.txt");

        var (exitCode, _, error) = Run("encode", "--model", "bundled:all-MiniLM-L6-v2", "--input", input, "--output", temp.Combine("o.jsonl"));

        Assert.Equal(CliApp.RuntimeFailure, exitCode);
        Assert.Contains(input, error);
    }

    [Fact]
    public void MissingModelExitsWith1ListingWhereItLooked()
    {
        using var temp = new TempFolder();
        var input = temp.Combine("s.txt");
        File.WriteAllText(input, "hello\n");
        var model = temp.Combine("no-such-model");

        var (exitCode, _, error) = Run("encode", "--model", model, "--input", input, "--output", temp.Combine("o.jsonl"));

        Assert.Equal(CliApp.RuntimeFailure, exitCode);
        Assert.Contains("Looked in", error);
        Assert.Contains(model, error);
        Assert.False(File.Exists(temp.Combine("o.jsonl")));
    }

    [Fact]
    public void MalformedStsLineExitsWith1NamingFileAndLine()
    {
        using var temp = new TempFolder();
        var modelFolder = SaveTinyModel(temp);
        var sts = temp.Combine("sts.csv");
        File.WriteAllLines(sts,
        [
            "main-captions\tMSRvid\t2012test\t0001\t5.000\tA man.\tA man.",
            "main-captions\tMSRvid\t2012test\t0002\tfive\tA dog.\tA cat.",
        ]);

        var (exitCode, _, error) = Run("evaluate", "--model", modelFolder, "--sts", sts);

        Assert.Equal(CliApp.RuntimeFailure, exitCode);
        Assert.Contains($"{sts}:2: field 5: expected a finite similarity score between 0 and 5, found 'five'.", error);
    }
}
