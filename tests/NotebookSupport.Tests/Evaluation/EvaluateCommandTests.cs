using System.Text.Json;
using NotebookSupport.Cli;
using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Tests.Data;
using NotebookSupport.Tests.Training;

namespace NotebookSupport.Tests.Evaluation;

[Collection(RunsAlone.Name)]  // SingleThreaded sets torch's process-wide thread count
public sealed class EvaluateCommandTests
{
    [Fact]
    public void EvaluateTripletsAndIrOnTheBundledSnliTestAndOnATsv() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var folder = SavedTinyModel(temp);
        using var model = SentenceTransformer.Load(folder, new ModelLoadOptions { Log = _ => { } });
        var snli = RepoData.Path("snli", "snli_1.0_test.csv");

        var (exitCode, output, error) = TrainCommandTests.Run("evaluate", "--model", folder, "--triplets", "snli-test", "--ir", "snli-test");

        Assert.True(exitCode == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(TripletEvaluator.FromNliFile(snli).Evaluate(model).ToString(), lines[0]);
        Assert.Equal(InformationRetrievalEvaluator.FromNliFile(snli).Evaluate(model).ToString(), lines[1]);
        Assert.Contains("premises without an entailment skipped", error);

        var tsv = temp.Combine("triplets.tsv");
        InputExampleTsv.Write(tsv, [new InputExample("A man plays.", "Someone plays.", "Nobody plays."), new InputExample("A dog runs.", "An animal moves.", "A cat sleeps.")], 3);
        var (jsonExit, json, jsonError) = TrainCommandTests.Run("evaluate", "--model", folder, "--triplets", tsv, "--json");
        Assert.True(jsonExit == 0, jsonError);
        var result = JsonDocument.Parse(json).RootElement;
        Assert.Equal("cosine_accuracy", result.GetProperty("primary_metric").GetString());
        var expected = TripletEvaluator.FromExamples(InputExampleTsv.Read(tsv)).Evaluate(model).Accuracy;
        Assert.Equal(expected, result.GetProperty("metrics").GetProperty("cosine_accuracy").GetDouble());
        return 0;
    });

    [Fact]
    public void TruncateDimScoresEveryTaskOnTheLeadingDimensions() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var folder = SavedTinyModel(temp);
        using var model = SentenceTransformer.Load(folder, new ModelLoadOptions { Log = _ => { } });
        var snli = RepoData.Path("snli", "snli_1.0_test.csv");
        var sts = RepoData.Path("stsb", "sts-dev.csv");

        var (exitCode, output, error) = TrainCommandTests.Run("evaluate", "--model", folder, "--sts", sts, "--triplets", "snli-test", "--ir", "snli-test",
            "--truncate-dim", "8", "--no-progress");

        Assert.True(exitCode == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var stsAt8 = EmbeddingSimilarityEvaluator.FromStsFile(sts, truncateDim: 8).Evaluate(model);
        var tripletsAt8 = TripletEvaluator.FromNliFile(snli, truncateDim: 8).Evaluate(model);
        var irAt8 = InformationRetrievalEvaluator.FromNliFile(snli, truncateDim: 8).Evaluate(model);
        Assert.Equal([stsAt8.ToString(), tripletsAt8.ToString(), irAt8.ToString()], lines);
        Assert.StartsWith("sts-dev@8: ", lines[0]);
        Assert.StartsWith("snli_1.0_test@8: ", lines[1]);
        Assert.StartsWith("snli_1.0_test@8: ", lines[2]);
        // Truncation changes the scores: the full embeddings rank differently.
        Assert.NotEqual(TripletEvaluator.FromNliFile(snli).Evaluate(model).Accuracy, tripletsAt8.Accuracy);
        Assert.NotEqual(InformationRetrievalEvaluator.FromNliFile(snli).Evaluate(model).Ndcg10, irAt8.Ndcg10);

        var (tooWide, _, tooWideError) = TrainCommandTests.Run("evaluate", "--model", folder, "--sts", sts, "--truncate-dim", "4096");
        Assert.Equal(CliApp.BadArguments, tooWide);
        Assert.Contains($"--truncate-dim: 4096 is larger than the model's embedding dimension, {model.EmbeddingDimension}.", tooWideError);
        return 0;
    });

    [Theory]
    [InlineData(new[] { "evaluate", "-m", "m", "--sts", "s.csv", "--truncate-dim", "0" }, "--truncate-dim must be at least 1, found 0.")]
    [InlineData(new[] { "evaluate", "-m", "m" }, "evaluate needs at least one of --sts FILE, --triplets FILE|snli-test or --ir FILE|snli-test")]
    [InlineData(new[] { "mine-negatives", "-m", "m", "--data", "p.tsv", "-o", "o.tsv", "--num-negatives", "0" }, "--num-negatives must be at least 1, found 0")]
    [InlineData(new[] { "mine-negatives", "-m", "m", "--data", "p.tsv", "-o", "o.tsv", "--range-min", "-1" }, "--range-min must be at least 0, found -1")]
    [InlineData(new[] { "mine-negatives", "-m", "m", "--data", "p.tsv", "-o", "o.tsv", "--range-min", "3", "--range-max", "4" }, "--range-max must be at least --range-min + --num-negatives (6), found 4")]
    [InlineData(new[] { "mine-negatives", "-m", "m", "--data", "p.tsv", "-o", "o.tsv", "--relative-margin", "1" }, "--relative-margin must be in [0, 1), found 1")]
    [InlineData(new[] { "mine-negatives", "-m", "m", "--data", "p.tsv", "-o", "o.tsv", "--absolute-margin", "-0.1" }, "--absolute-margin must be in [0, 2], found -0.1")]
    [InlineData(new[] { "mine-negatives", "-m", "m", "--data", "p.tsv", "-o", "o.tsv", "--max-score", "1.5" }, "--max-score must be in [-1, 1], found 1.5")]
    [InlineData(new[] { "mine-negatives", "-m", "m", "--data", "p.tsv", "-o", "o.tsv", "--sampling", "best" }, "--sampling: expected top or random, got 'best'")]
    [InlineData(new[] { "mine-negatives", "-m", "m", "--data", "p.tsv" }, "--output")]
    public void BadArgumentsExitWith2NamingThem(string[] args, string message)
    {
        var (exitCode, _, error) = TrainCommandTests.Run(args);

        Assert.Equal(CliApp.BadArguments, exitCode);
        Assert.Contains(message, error);
    }

    [Fact]
    public void APairsTsvIsRefusedAsTripletsNamingTheOption()
    {
        using var temp = new TrainingTempFolder();
        var folder = SavedTinyModel(temp);
        var pairs = temp.Combine("pairs.tsv");
        InputExampleTsv.Write(pairs, [new InputExample("a", "b")], 2);

        var (exitCode, _, error) = TrainCommandTests.Run("evaluate", "--model", folder, "--triplets", pairs);

        Assert.Equal(CliApp.BadArguments, exitCode);
        Assert.Contains($"--triplets {pairs}: expected anchor, positive and negative columns", error);
    }

    // A tiny random model saved as a folder, the --model the commands load; returns the folder.
    private static string SavedTinyModel(TrainingTempFolder temp)
    {
        var folder = temp.Combine("tiny");
        using var tiny = TestModels.Tiny(seed: 4);
        tiny.Save(folder);
        return folder;
    }
}
