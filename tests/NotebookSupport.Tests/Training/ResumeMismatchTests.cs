using System.Text.Json.Nodes;
using NotebookSupport.Cli;
using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tests.Data;
using NotebookSupport.Training;

namespace NotebookSupport.Tests.Training;

/// <summary>
/// A resume whose step count matches but whose run differs (seed, batch size, loss, data, model) is refused, naming
/// what differs; <see cref="FitOptions.AllowResumeWithChanges"/> continues on purpose; old checkpoints resume unverified.
/// </summary>
[Collection(RunsAlone.Name)]  // torch's random generator and Console.Error are per process
public sealed class ResumeMismatchTests
{
    private static readonly IReadOnlyList<InputExample> _pairs = SnliPairs.Get(64);

    // Four steps whatever the batch size (8 -> 8 batches available, 16 -> 4), so only the run's identity can differ.
    private static FitOptions Options(string root) => new()
    {
        Epochs = 1,
        StepsPerEpoch = 4,
        WarmupSteps = 1,
        LearningRate = 1e-3,
        ShowProgressBar = false,
        Seed = 3,
        CheckpointPath = root,
        CheckpointSaveSteps = 2,
    };

    private sealed record Run(int BatchSize = 8, double Scale = 20, IReadOnlyList<InputExample>? Data = null, int MaxSeqLength = 24);

    private static TrainingResult Fit(Run run, FitOptions options)
    {
        var model = TestModels.Tiny(seed: 11, maxSeqLength: run.MaxSeqLength);
        var loader = new NoDuplicatesDataLoader(run.Data ?? _pairs, batchSize: run.BatchSize, seed: 5);
        return model.Fit([(loader, new MultipleNegativesRankingLoss(model, scale: run.Scale))], options);
    }

    private static string Checkpoint(TrainingTempFolder temp)
    {
        var root = temp.Combine("checkpoints");
        Assert.True(Fit(new Run(), Options(root)).Completed);
        return Path.Combine(root, "checkpoint-2");
    }

    public static TheoryData<string, string> Mismatches => new()
    {
        { "seed", "seed: 3 -> 4" },
        { "batch size", "batch size: 8 -> 16" },
        { "loss", "loss: MultipleNegativesRankingLoss(scale=20, similarity=Cosine) -> MultipleNegativesRankingLoss(scale=10, similarity=Cosine)" },
        { "data", "data: 64 examples, sha256 " },
        { "model", "max_seq_length 24" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void AResumeThatDiffersInOneSettingIsRefusedNamingIt(string setting, string expected) => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var checkpoint = Checkpoint(temp);
        var changedPairs = _pairs.Select((p, i) => i == 17 ? p with { Texts = [p.Texts[0], p.Texts[1] + " (edited)"] } : p).ToList();
        var (run, seed) = setting switch
        {
            "seed" => (new Run(), 4),
            "batch size" => (new Run(BatchSize: 16), 3),
            "loss" => (new Run(Scale: 10), 3),
            "data" => (new Run(Data: changedPairs), 3),
            "model" => (new Run(MaxSeqLength: 32), 3),
            _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, null),
        };
        var error = Assert.Throws<InvalidOperationException>(() =>
            Fit(run, Options(temp.Combine("resumed")) with { Seed = seed, ResumeFromCheckpoint = checkpoint }));

        Assert.Contains(Path.Combine(checkpoint, Checkpoints.StateFile), error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Contains("--resume-changed", error.Message);
        // Only the changed setting is named.
        var named = new[] { "seed:", "batch size:", "loss:", "data:", "model:" }.Where(error.Message.Contains).ToList();
        Assert.Equal([setting + ":"], named);
        Assert.False(Directory.Exists(temp.Combine("resumed")), "the refused resume still trained and saved checkpoints");
        return 0;
    });

    [Fact]
    public void EverySettingThatDiffersIsNamedAtOnce() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var checkpoint = Checkpoint(temp);
        var error = Assert.Throws<InvalidOperationException>(() =>
            Fit(new Run(BatchSize: 16, Scale: 10), Options(temp.Combine("resumed")) with { Seed = 4, ResumeFromCheckpoint = checkpoint }));
        Assert.Contains("seed: 3 -> 4", error.Message);
        Assert.Contains("batch size: 8 -> 16", error.Message);
        Assert.Contains("scale=10", error.Message);
        return 0;
    });

    [Fact]
    public void AllowResumeWithChangesContinuesAndPrintsWhatChanged() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var checkpoint = Checkpoint(temp);
        var (result, printed) = CapturingStandardError(() =>
            Fit(new Run(Scale: 10), Options(temp.Combine("resumed")) with { Seed = 4, ResumeFromCheckpoint = checkpoint, AllowResumeWithChanges = true }));

        Assert.True(result.Completed);
        Assert.Equal(4, result.GlobalStep);
        Assert.Equal([3, 4], result.Losses.Where(l => l.Step > 2).Select(l => l.Step));
        Assert.Contains("resuming with changes", printed);
        Assert.Contains("seed: 3 -> 4", printed);
        Assert.Contains("scale=20, similarity=Cosine) -> MultipleNegativesRankingLoss(scale=10", printed);
        // The new checkpoints describe the run as it now is, so resuming them needs no flag.
        var state = Checkpoints.ReadState(Path.Combine(temp.Combine("resumed"), "checkpoint-4"));
        Assert.Equal(4, state.Seed);
        Assert.Contains("scale=10", state.Run!.Losses[0]);
        return 0;
    });

    [Fact]
    public void ACheckpointWithoutARunRecordResumesWithANoteThatItCannotBeVerified() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var checkpoint = Checkpoint(temp);
        // What this library wrote before checkpoints recorded their run.
        var stateFile = Path.Combine(checkpoint, Checkpoints.StateFile);
        var json = JsonNode.Parse(File.ReadAllText(stateFile))!.AsObject();
        json.Remove("run");
        json.Remove("last_evaluated_step");
        json["format_version"] = 2;
        File.WriteAllText(stateFile, json.ToJsonString());

        var (result, printed) = CapturingStandardError(() =>
            Fit(new Run(BatchSize: 16), Options(temp.Combine("resumed")) with { ResumeFromCheckpoint = checkpoint }));
        Assert.True(result.Completed);
        Assert.Equal(4, result.GlobalStep);
        Assert.Contains(stateFile, printed);
        Assert.Contains("cannot verify", printed);
        // The seed was always recorded, so even an old checkpoint refuses another one.
        var error = Assert.Throws<InvalidOperationException>(() =>
            Fit(new Run(), Options(temp.Combine("resumed-again")) with { Seed = 4, ResumeFromCheckpoint = checkpoint }));
        Assert.Contains("seed: 3 -> 4", error.Message);
        return 0;
    });

    [Fact]
    public void TheLastEvaluatedStepIsSavedSoAResumeDoesNotEvaluateItAgain() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var root = temp.Combine("checkpoints");
        var sts = StsBenchmark.Load(RepoData.Path("stsb", "sts-dev.csv")).Take(20).ToList();
        var evaluator = new EmbeddingSimilarityEvaluator([.. sts.Select(p => p.Sentence1)], [.. sts.Select(p => p.Sentence2)], [.. sts.Select(p => p.Score)], "dev20");
        var options = Options(root) with { Evaluator = evaluator, EvaluationSteps = 2, SaveBestModel = false };
        var first = Fit(new Run(), options);
        Assert.Equal(2, first.Evaluations.Count);  // steps 2 and 4; the epoch end is step 4
        var last = Checkpoints.ReadState(Path.Combine(root, "checkpoint-4"));
        Assert.Equal(4, last.LastEvaluatedStep);
        Assert.Equal(first.Evaluations.Max(e => e.PrimaryScore), last.BestScore);

        var resumed = Fit(new Run(), options with { CheckpointPath = temp.Combine("resumed"), ResumeFromCheckpoint = Path.Combine(root, "checkpoint-4") });
        Assert.True(resumed.Completed);
        Assert.Empty(resumed.Evaluations);
        return 0;
    });

    [Fact]
    public void TrainResumeRefusesAChangedScaleUnlessResumeChangedIsGiven() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var data = temp.Combine("pairs.tsv");
        InputExampleTsv.Write(data, SnliPairs.Get(32), 2);
        var output = temp.Combine("model");
        string[] args = ["train", "--model", "random:bert-tiny", "--data", data, "--output", output, "--batch-size", "8",
                         "--max-seq-length", "16", "--epochs", "1", "--checkpoint-steps", "2", "--seed", "7", "--no-progress"];
        var (exitCode, _, error) = Cli(args);
        Assert.True(exitCode == 0, error);
        var checkpoint = Path.Combine(output + "-checkpoints", "checkpoint-2");

        var (refusedExit, _, refusedError) = Cli([.. args, "--scale", "10", "--resume", checkpoint]);
        Assert.Equal(1, refusedExit);
        Assert.Contains(Path.Combine(checkpoint, Checkpoints.StateFile), refusedError);
        Assert.Contains("loss: MultipleNegativesRankingLoss(scale=20, similarity=Cosine) -> MultipleNegativesRankingLoss(scale=10, similarity=Cosine)", refusedError);
        Assert.Contains("--resume-changed", refusedError);

        var ((allowedExit, allowedOutput, allowedError), printed) = CapturingStandardError(() => Cli([.. args, "--scale", "10", "--resume", checkpoint, "--resume-changed"]));
        Assert.True(allowedExit == 0, allowedError);
        Assert.Contains("done: 4 steps", allowedOutput);
        Assert.Contains("resuming with changes", printed);
        Assert.Contains("scale=10", printed);

        var (aloneExit, _, aloneError) = Cli([.. args, "--resume-changed"]);
        Assert.Equal(CliApp.BadArguments, aloneExit);
        Assert.Contains("--resume-changed only applies to a resume", aloneError);
        return 0;
    });

    private static (int ExitCode, string Output, string Error) Cli(params string[] args) => TrainCommandTests.Run(args);

    private static (T Result, string Printed) CapturingStandardError<T>(Func<T> body)
    {
        var original = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            return (body(), captured.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }
}
