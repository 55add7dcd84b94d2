using NotebookSupport.Cli;
using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Plotting;
using NotebookSupport.Tests.Data;
using NotebookSupport.Training;

namespace NotebookSupport.Tests.Training;

[Collection(RunsAlone.Name)]
public sealed class TrainCommandTests
{
    /// <summary>Runs <c>st</c> with <paramref name="args"/> in-process, capturing what it prints.</summary>
    internal static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = CliApp.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public void TrainsARandomBertTinyFromPairsTsvAndResumes() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var data = temp.Combine("pairs.tsv");
        InputExampleTsv.Write(data, SnliPairs.Get(48), 2);
        var output = temp.Combine("model");
        string[] args = ["train", "--model", "random:bert-tiny", "--data", data, "--output", output, "--batch-size", "8",
                         "--max-seq-length", "16", "--lr", "1e-3", "--epochs", "2", "--checkpoint-steps", "4", "--seed", "7",
                         "--pooling", "mean-sqrt-len", "--no-progress"];

        var (exitCode, stdout, stderr) = Run(args);

        Assert.True(exitCode == 0, stderr + stdout);
        Assert.Contains("48 pairs", stdout);
        Assert.Contains("12 steps", stdout);
        foreach (var file in new[] { "modules.json", "model.safetensors", "config.json", "vocab.txt", Trainer.LogFileName, LossCurve.FileName })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} missing from the output folder");
        }
        var firstLosses = TrainingLog.Read(Path.Combine(output, Trainer.LogFileName)).Where(e => e.Loss is not null).Select(e => e.Loss!.Value).ToList();
        Assert.Equal(12, firstLosses.Count);
        var model = SentenceTransformer.Load(output, new ModelLoadOptions { Log = _ => { } });
        Assert.Equal(128, model.EmbeddingDimension);
        Assert.Equal(NotebookSupport.Models.PoolingMode.MeanSqrtLen, model.Pooling.Mode);
        Assert.Equal([4, 8, 12], Checkpoints.List(output + "-checkpoints").Select(c => c.Step));

        // Resuming from checkpoint 8 redoes steps 9-12 with the same losses.
        var (resumeExit, _, resumeError) = Run([.. args, "--resume", Path.Combine(output + "-checkpoints", "checkpoint-8")]);
        Assert.True(resumeExit == 0, resumeError);
        var resumedLosses = TrainingLog.Read(Path.Combine(output, Trainer.LogFileName)).Where(e => e.Loss is not null).Select(e => e.Loss!.Value).ToList();
        Assert.Equal(12, resumedLosses.Count);
        Assert.All(firstLosses.Zip(resumedLosses), p => Assert.Equal(p.First, p.Second, 1e-6));

        // --resume without a value takes the newest checkpoint (12, the end): nothing is left to train.
        var (latestExit, latestOutput, latestError) = Run([.. args, "--resume"]);
        Assert.True(latestExit == 0, latestError);
        Assert.Contains("done: 12 steps", latestOutput);
        Assert.Equal(firstLosses, TrainingLog.Read(Path.Combine(output, Trainer.LogFileName)).Where(e => e.Loss is not null).Select(e => e.Loss!.Value));
        return 0;
    });

    [Fact]
    public void MissingOrMalformedDataExitsWith1AndArgumentsItCannotUseWith2()
    {
        using var temp = new TrainingTempFolder();
        var (missingExit, _, missingError) = Run("train", "--model", "random:bert-tiny", "--data", temp.Combine("nope.tsv"), "--output", temp.Combine("out"));
        Assert.Equal(CliApp.RuntimeFailure, missingExit);
        Assert.Contains("nope.tsv", missingError);

        var bad = temp.Combine("bad.tsv");
        File.WriteAllText(bad, "anchor\tpositive\na\tb\nonly one field\n");
        var (badExit, _, badError) = Run("train", "--model", "random:bert-tiny", "--data", bad, "--output", temp.Combine("out"));
        Assert.Equal(CliApp.RuntimeFailure, badExit);
        Assert.Contains("bad.tsv", badError);
        Assert.Contains("bad.tsv:3:", badError);

        var pairs = temp.Combine("pairs.tsv");
        File.WriteAllText(pairs, "anchor\tpositive\na\tb\n");
        var (negExit, _, negError) = Run("train", "--model", "random:bert-tiny", "--data", pairs, "--output", temp.Combine("out"), "--hard-negatives");
        Assert.Equal(CliApp.BadArguments, negExit);
        Assert.Contains("prepare-nli --triplets", negError);

        var (modelExit, _, modelError) = Run("train", "--model", "random:bert-huge", "--data", pairs, "--output", temp.Combine("out"));
        Assert.Equal(CliApp.BadArguments, modelExit);
        Assert.Contains("random:bert-tiny", modelError);
    }

    [Fact]
    public void TrainsCoSENTWithMatryoshkaOnStsbTrainLines() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var data = temp.Combine("sts-train.csv");
        File.WriteAllLines(data, File.ReadLines(RepoData.Path("stsb", "sts-train.csv")).Take(16));
        var output = temp.Combine("model");

        var (exitCode, stdout, stderr) = Run("train", "--model", "random:bert-tiny", "--data", data, "--output", output, "--loss", "cosent",
            "--matryoshka-dims", "128,64,32", "--batch-size", "8", "--max-seq-length", "16", "--checkpoint-steps", "0", "--no-progress");

        Assert.True(exitCode == 0, stderr + stdout);
        Assert.Contains("16 pairs with a similarity score", stdout);
        Assert.Contains("MatryoshkaLoss at dimensions 128, 64, 32 around CoSENTLoss", stdout);
        Assert.Contains("done: 2 steps", stdout);
        return 0;
    });

    [Fact]
    public void EvaluatesStsTripletsAndRetrievalTogetherAndKeepsTheBestByTheFirst() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var data = temp.Combine("pairs.tsv");
        InputExampleTsv.Write(data, SnliPairs.Get(32), 2);
        var sts = temp.Combine("sts.csv");
        File.WriteAllLines(sts, File.ReadLines(RepoData.Path("stsb", "sts-dev.csv")).Take(40));
        var triplets = temp.Combine("triplets.tsv");
        InputExampleTsv.Write(triplets, [.. SnliPairs.Get(12).Select((e, i) => new InputExample(e.Texts[0], e.Texts[1], SnliPairs.Get(24)[23 - i].Texts[1]))], 3);
        var nli = temp.Combine("nli.csv");
        File.WriteAllLines(nli, File.ReadLines(RepoData.Path("snli", "snli_1.0_test.csv")).Take(61));
        var output = temp.Combine("model");

        var (exitCode, stdout, stderr) = Run("train", "--model", "random:bert-tiny", "--data", data, "--output", output, "--batch-size", "8",
            "--max-seq-length", "16", "--epochs", "2", "--checkpoint-steps", "0", "--seed", "3", "--eval-sts", sts, "--eval-triplets", triplets,
            "--eval-ir", nli, "--save-best-model", "--no-progress");

        Assert.True(exitCode == 0, stderr + stdout);
        var evaluations = stdout.Split('\n').Where(l => l.StartsWith("evaluation: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, evaluations.Count);
        Assert.All(evaluations, e => Assert.Matches(@"^evaluation: sts: Spearman .*; triplets: accuracy .*; nli: MRR@10 ", e));
        var logged = TrainingLog.Read(Path.Combine(output, Trainer.LogFileName)).Where(e => e.EvalMetrics is not null).ToList();
        Assert.Equal(2, logged.Count);   // after each epoch
        Assert.All(logged, e => Assert.Superset(new HashSet<string> { "sts_spearman_cosine", "triplets_cosine_accuracy", "nli_cosine_ndcg@10" }, e.EvalMetrics!.Keys.ToHashSet()));

        // The saved model is the epoch with the best STS Spearman (the first evaluator's), and scores what was logged.
        var best = logged.MaxBy(e => e.EvalMetrics!["sts_spearman_cosine"])!;
        using var model = SentenceTransformer.Load(output, new ModelLoadOptions { Log = _ => { } });
        Assert.Equal(best.EvalMetrics!["sts_spearman_cosine"], EmbeddingSimilarityEvaluator.FromStsFile(sts).Evaluate(model).SpearmanCosine, 1e-9);
        Assert.Equal(best.EvalMetrics!["triplets_cosine_accuracy"], TripletEvaluator.FromExamples(InputExampleTsv.Read(triplets), "triplets").Evaluate(model).Accuracy, 1e-9);
        return 0;
    });

    [Theory]
    [InlineData("angle")]
    [InlineData("cosine")]
    public void TrainsTheScoredLossesFromAScoredTsv(string loss) => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var data = temp.Combine("scored.tsv");
        InputExampleTsv.Write(data, SnliPairs.Get(8).Select((e, i) => e with { Label = i / 8.0 }), 2, scored: true);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (double?)(i / 8.0)), InputExampleTsv.Read(data).Select(e => e.Label));

        var (exitCode, stdout, stderr) = Run("train", "--model", "random:bert-tiny", "--data", data, "--output", temp.Combine("model"), "--loss", loss,
            "--batch-size", "4", "--max-seq-length", "16", "--checkpoint-steps", "0", "--no-progress");

        Assert.True(exitCode == 0, stderr + stdout);
        Assert.Contains("8 pairs with a similarity score", stdout);
        Assert.Contains("done: 2 steps", stdout);
        return 0;
    });

    [Fact]
    public void TrainsGistWithAGuideModel() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var data = temp.Combine("pairs.tsv");
        InputExampleTsv.Write(data, SnliPairs.Get(8), 2);

        var (exitCode, stdout, stderr) = Run("train", "--model", "random:bert-tiny", "--data", data, "--output", temp.Combine("model"), "--loss", "gist",
            "--guide", "random:bert-tiny", "--matryoshka-dims", "128,64", "--batch-size", "4", "--max-seq-length", "16", "--checkpoint-steps", "0", "--no-progress");

        Assert.True(exitCode == 0, stderr + stdout);
        Assert.Contains("guide: random:bert-tiny", stdout);
        Assert.Contains("around GISTEmbedLoss", stdout);
        Assert.Contains("done: 2 steps", stdout);
        return 0;
    });

    [Fact]
    public void TrainsCachedGistInMiniBatches() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var data = temp.Combine("pairs.tsv");
        InputExampleTsv.Write(data, SnliPairs.Get(8), 2);

        var (exitCode, stdout, stderr) = Run("train", "--model", "random:bert-tiny", "--data", data, "--output", temp.Combine("model"), "--loss", "cached-gist",
            "--guide", "random:bert-tiny", "--mini-batch-size", "3", "--batch-size", "8", "--max-seq-length", "16", "--checkpoint-steps", "0", "--no-progress");

        Assert.True(exitCode == 0, stderr + stdout);
        Assert.Contains("guide: random:bert-tiny", stdout);
        Assert.Contains("loss cached-gist", stdout);
        Assert.Contains("done: 1 steps", stdout);

        var (wrapped, _, error) = Run("train", "--model", "random:bert-tiny", "--data", data, "--output", temp.Combine("other"), "--loss", "cached-gist",
            "--matryoshka-dims", "64");
        Assert.Equal(CliApp.BadArguments, wrapped);
        Assert.Contains("--matryoshka-dims cannot wrap --loss cached-gist", error);
        return 0;
    });

    [Theory]
    [InlineData("--loss", "cosent", "--loss cosent needs a similarity score per pair")]
    [InlineData("--guide", "random:bert-tiny", "--guide only applies to --loss gist")]
    [InlineData("--matryoshka-dims", "256,64", "--matryoshka-dims: 256 is larger than the model's embedding dimension, 128")]
    public void StsAndMatryoshkaOptionsItCannotUseExitWith2NamingThem(string option, string value, string message)
    {
        using var temp = new TrainingTempFolder();
        var pairs = temp.Combine("pairs.tsv");
        File.WriteAllText(pairs, "anchor\tpositive\na\tb\n");

        var (exitCode, stdout, stderr) = Run("train", "--model", "random:bert-tiny", "--data", pairs, "--output", temp.Combine("out"), option, value);

        Assert.True(exitCode == CliApp.BadArguments, $"exit code {exitCode}\n{stderr}{stdout}");
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void MatryoshkaAroundSoftmaxExitsWith2()
    {
        using var temp = new TrainingTempFolder();
        var (exitCode, _, stderr) = Run("train", "--model", "random:bert-tiny", "--data", temp.Combine("p.tsv"), "--output", temp.Combine("out"),
            "--loss", "softmax", "--matryoshka-dims", "64");
        Assert.Equal(CliApp.BadArguments, exitCode);
        Assert.Contains("--matryoshka-dims cannot wrap --loss softmax", stderr);
    }
}
