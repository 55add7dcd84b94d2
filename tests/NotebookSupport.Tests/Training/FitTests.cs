using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Plotting;
using NotebookSupport.Tests.Data;
using NotebookSupport.Training;
using SkiaSharp;
using TorchSharp;

namespace NotebookSupport.Tests.Training;

[Collection(RunsAlone.Name)]
public sealed class FitTests
{
    private static readonly IReadOnlyList<InputExample> _pairs = SnliPairs.Get(64);

    internal static FitOptions Options(string? checkpoints = null) => new()
    {
        Epochs = 2,
        LearningRate = 1e-3,
        ShowProgressBar = false,
        Seed = 3,
        CheckpointPath = checkpoints,
        CheckpointSaveSteps = 5,
    };

    private static (SentenceTransformer Model, (NoDuplicatesDataLoader, SentenceTransformerLoss) Objective) Setup(int modelSeed)
    {
        var model = TestModels.Tiny(seed: modelSeed, maxSeqLength: 24);
        return (model, (new NoDuplicatesDataLoader(_pairs, batchSize: 8, seed: 5), new MultipleNegativesRankingLoss(model)));
    }

    private static Dictionary<string, float[]> Weights(SentenceTransformer model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());

    [Theory]
    [InlineData(OptimizerKind.Auto)]
    [InlineData(OptimizerKind.TorchAdamW)]
    public void InterruptAndResumeGivesTheSameLossesAsAnUninterruptedRun(OptimizerKind optimizer) => SingleThreaded.Run(() =>
    {
        // 64 pairs in batches of 8: 8 steps per epoch, 16 in all; dropout is on, so the random state must be restored too.
        FitOptions Options(string? checkpoints = null) => FitTests.Options(checkpoints) with { Optimizer = optimizer };
        var (model, objective) = Setup(modelSeed: 11);
        var uninterrupted = model.Fit([objective], Options());
        Assert.True(uninterrupted.Completed);
        Assert.Equal(16, uninterrupted.GlobalStep);
        var expectedWeights = Weights(model);

        using var temp = new TrainingTempFolder();
        var root = temp.Combine("checkpoints");
        using var cancel = new CancellationTokenSource();
        var (model2, objective2) = Setup(modelSeed: 11);
        var interrupted = model2.Fit([objective2], Options(root) with
        {
            CancellationToken = cancel.Token,
            Progress = new ImmediateProgress<TrainingProgress>(p => { if (p.Step == 11) { cancel.Cancel(); } }),
        });
        Assert.False(interrupted.Completed);
        Assert.Equal(11, interrupted.GlobalStep);
        Assert.Equal([5, 10, 11], Checkpoints.List(root).Select(c => c.Step));
        AssertSameLosses(uninterrupted, interrupted, fromStep: 1, toStep: 11);
        // Auto picks the fused optimizer for float32 CPU parameters; its moments are in the documented file.
        var saved = optimizer == OptimizerKind.Auto ? OptimizerKind.FusedAdamW : optimizer;
        Assert.Equal(saved, Checkpoints.ReadState(Path.Combine(root, "checkpoint-11")).Optimizer);
        Assert.Equal(saved == OptimizerKind.FusedAdamW, File.Exists(Path.Combine(root, "checkpoint-11", "optimizer.safetensors")));

        // What a crash in the middle of saving would leave: a staging folder and a folder without trainer_state.json.
        Directory.CreateDirectory(Path.Combine(root, ".checkpoint-12.saving-0123"));
        File.WriteAllText(Path.Combine(root, ".checkpoint-12.saving-0123", "model.bin"), "half");
        Directory.CreateDirectory(Path.Combine(root, "checkpoint-13"));
        File.WriteAllText(Path.Combine(root, "checkpoint-13", "model.bin"), "half");
        Assert.EndsWith("checkpoint-11", Checkpoints.Latest(root));

        // Resume from the newest complete checkpoint into a differently initialised model.
        var (model3, objective3) = Setup(modelSeed: 99);
        var resumed = model3.Fit([objective3], Options(root) with { ResumeFromCheckpoint = root });
        Assert.True(resumed.Completed);
        AssertSameLosses(uninterrupted, resumed, fromStep: 1, toStep: 16);
        AssertSameWeights(expectedWeights, Weights(model3));

        // Resume from an older checkpoint (step 5, before the epoch boundary at step 8), as after a hard crash.
        var (model4, objective4) = Setup(modelSeed: 98);
        var fromOlder = model4.Fit([objective4], Options() with { ResumeFromCheckpoint = Path.Combine(root, "checkpoint-5") });
        AssertSameLosses(uninterrupted, fromOlder, fromStep: 6, toStep: 16);
        AssertSameWeights(expectedWeights, Weights(model4));
        return 0;
    });

    [Fact]
    public void NanLossStopsWithAClearMessageAndKeepsTheLastGoodCheckpoint() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var root = temp.Combine("checkpoints");
        var model = TestModels.Tiny(seed: 2, maxSeqLength: 24);
        var loader = new NoDuplicatesDataLoader(_pairs, batchSize: 8, seed: 5);
        var loss = new NanAtStep(model, step: 7);
        var ex = Assert.Throws<TrainingDivergedException>(() =>
            model.Fit([(loader, loss)], Options(root) with { CheckpointSaveSteps = 3 }));

        Assert.Equal(7, ex.Step);
        Assert.Contains("step 7", ex.Message);
        Assert.Contains("NaN", ex.Message);
        Assert.Contains("checkpoint-6", ex.Message);
        Assert.Equal([3, 6], Checkpoints.List(root).Select(c => c.Step));
        Assert.EndsWith("checkpoint-6", ex.LastGoodCheckpoint);
        Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));

        // The model was not updated by the failing step: it still holds the weights of checkpoint 6.
        var restored = TestModels.Tiny(seed: 77, maxSeqLength: 24);
        var state = Checkpoints.Load(ex.LastGoodCheckpoint!, restored, [new NanAtStep(restored, 7)], OptimizerFactory.AdamW(restored.named_parameters(), kind: OptimizerKind.FusedAdamW));
        Assert.Equal(6, state.GlobalStep);
        AssertSameWeights(Weights(restored), Weights(model));
        return 0;
    });

    [Fact]
    public void FitWritesModelFolderJsonLinesLogLossCurveAndPrunesCheckpoints() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var output = temp.Combine("model");
        var root = temp.Combine("checkpoints");
        var (model, objective) = Setup(modelSeed: 4);
        var sts = StsBenchmark.Load(RepoData.Path("stsb", "sts-dev.csv")).Take(40).ToList();
        var evaluator = new EmbeddingSimilarityEvaluator([.. sts.Select(p => p.Sentence1)], [.. sts.Select(p => p.Sentence2)], [.. sts.Select(p => p.Score)], "dev40");
        var progress = new List<TrainingProgress>();
        var result = model.Fit([objective], Options(root) with
        {
            OutputPath = output,
            Evaluator = evaluator,
            EvaluationSteps = 4,
            SaveBestModel = false,
            CheckpointSaveSteps = 2,
            CheckpointSaveTotalLimit = 2,
            Progress = new ImmediateProgress<TrainingProgress>(progress.Add),
            Callbacks = [new LossCurveCallback()],
        });

        Assert.Equal([14, 16], Checkpoints.List(root).Select(c => c.Step));
        Assert.Equal(Enumerable.Range(1, 16), progress.Select(p => p.Step));
        Assert.Equal(4, result.Evaluations.Count);   // steps 4, 8 (= end of epoch 1), 12, 16 (= end of epoch 2)

        // The log: one line per step with loss, lr and elapsed, plus the evaluations, in the same file in both places.
        var log = TrainingLog.Read(Path.Combine(output, Trainer.LogFileName));
        Assert.Equal(log, TrainingLog.Read(Path.Combine(root, Trainer.LogFileName)));
        var steps = log.Where(e => e.Loss is not null).ToList();
        Assert.Equal(Enumerable.Range(1, 16), steps.Select(e => e.Step));
        Assert.All(steps, e => Assert.True(e.LearningRate >= 0 && e.Elapsed > 0 && double.IsFinite(e.Loss!.Value)));
        Assert.Equal(result.Evaluations.Select(e => e.PrimaryScore), log.Where(e => e.EvalSpearman is not null).Select(e => e.EvalSpearman!.Value));
        var firstLine = File.ReadLines(Path.Combine(output, Trainer.LogFileName)).First();
        Assert.Matches("^\\{\"step\":1,\"epoch\":0,\"loss\":[0-9.E+-]+,\"lr\":0,\"grad_norm\":[0-9.E+-]+,\"elapsed\":[0-9.E+-]+\\}$", firstLine);

        // The learning rate follows linear warm-up (10% of 16 = 1 step) then linear decay to 0: lr(step) = 1e-3 * (16 - s) / 15.
        for (var s = 1; s < 16; s++)
        {
            Assert.Equal(1e-3 * (16 - s) / 15, steps[s].LearningRate!.Value, 1e-12);
        }

        using (var png = SKBitmap.Decode(Path.Combine(output, LossCurve.FileName)))
        {
            Assert.Equal((900, 500), (png.Width, png.Height));
        }

        // The saved folder is the trained model.
        var reloaded = SentenceTransformer.Load(output, new ModelLoadOptions { Log = _ => { } });
        string[] sentences = ["A man is playing a guitar.", "Two dogs run on the beach."];
        var expected = model.Encode(sentences);
        var actual = reloaded.Encode(sentences);
        for (var i = 0; i < sentences.Length; i++)
        {
            Assert.All(expected[i].Zip(actual[i]), p => Assert.Equal(p.First, p.Second, 1e-5f));
        }
        return 0;
    });

    [Fact]
    public void FusedAndTorchAdamWTrainTheSameAndACheckpointResumesOnlyIntoItsOwnKind() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var root = temp.Combine("checkpoints");
        var (fusedModel, fusedObjective) = Setup(modelSeed: 21);
        var fused = new Trainer(fusedModel, [fusedObjective], Options() with { Optimizer = OptimizerKind.FusedAdamW });
        Assert.Equal(OptimizerKind.FusedAdamW, fused.Optimizer);
        var fusedResult = fused.Train();
        var (torchModel, torchObjective) = Setup(modelSeed: 21);
        var torchResult = torchModel.Fit([torchObjective], Options(root) with { Optimizer = OptimizerKind.TorchAdamW });

        // The same update in two implementations: float32 rounding apart, the same 16 steps.
        Assert.All(fusedResult.Losses.Zip(torchResult.Losses), p => Assert.Equal(p.Second.Loss, p.First.Loss, 1e-4));
        var expected = Weights(torchModel);
        foreach (var (name, values) in Weights(fusedModel))
        {
            var difference = values.Zip(expected[name], (x, y) => Math.Abs(x - y)).Max();
            Assert.True(difference <= 1e-4f, $"{name}: fused and torch AdamW weights differ by {difference}");
        }

        var (model3, objective3) = Setup(modelSeed: 21);
        var error = Assert.Throws<InvalidOperationException>(() => model3.Fit([objective3], Options() with { ResumeFromCheckpoint = root }));
        Assert.Contains("checkpoint-15", error.Message);
        Assert.Contains("TorchAdamW", error.Message);
        Assert.Contains("FitOptions.Optimizer", error.Message);

        // A checkpoint written before the optimizer was recorded (format 1) holds torch's AdamW and still resumes.
        var stateFile = Path.Combine(root, "checkpoint-15", Checkpoints.StateFile);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(stateFile))!.AsObject();
        Assert.Equal("TorchAdamW", (string?)json["optimizer"]);
        json.Remove("optimizer");
        json["format_version"] = 1;
        File.WriteAllText(stateFile, json.ToJsonString());
        Assert.Equal(OptimizerKind.TorchAdamW, Checkpoints.ReadState(Path.Combine(root, "checkpoint-15")).Optimizer);
        var (model4, objective4) = Setup(modelSeed: 22);
        var legacy = model4.Fit([objective4], Options() with { Optimizer = OptimizerKind.TorchAdamW, ResumeFromCheckpoint = root });
        AssertSameLosses(torchResult, legacy, fromStep: 16, toStep: 16);
        return 0;
    });

    [Fact]
    public void BFloat16AndGroupByLengthTrainOnGroupedBatchesInMixedPrecisionAndRestoreFloat32() => SingleThreaded.Run(() =>
    {
        var model = TestModels.Tiny(seed: 6, maxSeqLength: 24);
        var loader = new NoDuplicatesDataLoader(_pairs, batchSize: 8, seed: 5);
        var loss = new Recording(model);
        var trainer = new Trainer(model, [(loader, loss)], Options() with { Precision = Precision.BFloat16, GroupByLength = true });
        var result = trainer.Train();

        Assert.True(result.Completed);
        Assert.All(result.Losses, l => Assert.True(double.IsFinite(l.Loss)));
        Assert.All(loss.Precisions, p => Assert.Equal(Precision.BFloat16, p));
        Assert.Equal(Precision.Float32, model.Precision);
        Assert.All(model.parameters(), p => Assert.Equal(TorchSharp.torch.ScalarType.Float32, p.dtype));
        Assert.Equal(OptimizerKind.FusedAdamW, trainer.Optimizer);

        // The batches trained on are the length-grouped loader's, epoch by epoch.
        var grouped = loader.WithOrder(LengthGroupedExampleOrder.For(model));
        Assert.IsType<LengthGroupedExampleOrder>(Assert.IsType<NoDuplicatesDataLoader>(trainer.Objectives[0].Loader).Order);
        var expected = Enumerable.Range(0, 2).SelectMany(grouped.Batches).ToList();
        Assert.Equal(expected.Count, loss.Batches.Count);
        Assert.All(expected.Zip(loss.Batches), p => Assert.Equal(p.First, p.Second));
        Assert.NotEqual(Enumerable.Range(0, 2).SelectMany(loader.Batches).Select(b => b[0]), loss.Batches.Select(b => b[0]));
        return 0;
    });

    [Fact]
    public void OptimizerAndGroupingOptionsRejectWhatCannotWork()
    {
        var model = TestModels.Tiny(seed: 2);
        var loss = new MultipleNegativesRankingLoss(model);
        var loader = new NoDuplicatesDataLoader(_pairs, batchSize: 8);

        var custom = loader.WithOrder(new Reversed());
        var grouping = Assert.Throws<ArgumentException>(() => new Trainer(model, [(custom, loss)], Options() with { GroupByLength = true }));
        Assert.Contains("FitOptions.GroupByLength", grouping.Message);
        Assert.Contains(nameof(Reversed), grouping.Message);

        model.to(TorchSharp.torch.ScalarType.Float64);
        Assert.Equal(OptimizerKind.TorchAdamW, new Trainer(model, [(loader, loss)], Options()).Optimizer);
        var fused = Assert.Throws<ArgumentException>(() => new Trainer(model, [(loader, loss)], Options() with { Optimizer = OptimizerKind.FusedAdamW }));
        Assert.Contains("FitOptions.Optimizer", fused.Message);
        Assert.Contains("Float64", fused.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(model, [(loader, loss)], Options() with { Optimizer = (OptimizerKind)7 }));
    }

    [Fact]
    public void LinearScheduleMatchesTransformersFormulaAndOptimizerSkipsDecayOnBiasAndLayerNorm()
    {
        // get_linear_schedule_with_warmup(warmup 10, total 100) at a few steps, computed by hand.
        Assert.Equal(0.0, LinearScheduleWithWarmup.Factor(0, 10, 100));
        Assert.Equal(0.5, LinearScheduleWithWarmup.Factor(5, 10, 100));
        Assert.Equal(1.0, LinearScheduleWithWarmup.Factor(10, 10, 100));
        Assert.Equal(0.5, LinearScheduleWithWarmup.Factor(55, 10, 100));
        Assert.Equal(0.0, LinearScheduleWithWarmup.Factor(100, 10, 100));
        Assert.Equal(0.0, LinearScheduleWithWarmup.Factor(120, 10, 100));

        var model = TestModels.Tiny();
        var named = model.named_parameters().ToList();
        var optimizer = OptimizerFactory.AdamW(named, learningRate: 2e-5, weightDecay: 0.01);
        var groups = optimizer.ParamGroups.Cast<TorchSharp.Modules.AdamW.ParamGroup>().ToList();
        var noDecayNames = named.Where(p => p.name.EndsWith(".bias") || p.name.Contains("LayerNorm.")).Select(p => p.parameter).ToHashSet();
        Assert.Equal(0.01, groups[0].Options.weight_decay);
        Assert.Equal(0.0, groups[1].Options.weight_decay);
        Assert.Equal(named.Count - noDecayNames.Count, groups[0].Parameters.Count());
        Assert.True(groups[1].Parameters.All(noDecayNames.Contains));
        Assert.Contains(named.Single(p => p.name == "0.auto_model.embeddings.LayerNorm.weight").parameter, groups[1].Parameters);

        var schedule = new LinearScheduleWithWarmup(optimizer, warmupSteps: 10, totalSteps: 100);
        Assert.Equal(0.0, schedule.LearningRate);
        for (var i = 0; i < 55; i++)
        {
            schedule.Step();
        }
        Assert.All(optimizer.ParamGroups, g => Assert.Equal(1e-5, g.LearningRate, 1e-15));
    }

    private static void AssertSameLosses(TrainingResult expected, TrainingResult actual, int fromStep, int toStep)
    {
        var e = expected.Losses.Where(l => l.Step >= fromStep && l.Step <= toStep).ToList();
        var a = actual.Losses.Where(l => l.Step >= fromStep && l.Step <= toStep).ToList();
        Assert.Equal(toStep - fromStep + 1, a.Count);
        for (var i = 0; i < e.Count; i++)
        {
            Assert.Equal(e[i].Step, a[i].Step);
            Assert.True(Math.Abs(e[i].Loss - a[i].Loss) <= 1e-7 * Math.Max(1, Math.Abs(e[i].Loss)),
                $"step {e[i].Step}: uninterrupted loss {e[i].Loss:R}, resumed {a[i].Loss:R}");
        }
    }

    private static void AssertSameWeights(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, values) in expected)
        {
            var difference = values.Zip(actual[name], (x, y) => Math.Abs(x - y)).Max();
            Assert.True(difference <= 1e-6f, $"{name}: weights differ by {difference}");
        }
    }

    /// <summary>Plain MNR that records each batch and the model's precision when it was trained on.</summary>
    internal sealed class Recording(SentenceTransformer model) : SentenceTransformerLoss(nameof(Recording), model)
    {
        private readonly MultipleNegativesRankingLoss inner = new(model);

        public List<IReadOnlyList<InputExample>> Batches { get; } = [];

        public List<Precision> Precisions { get; } = [];

        public override TorchSharp.torch.Tensor forward(IReadOnlyList<InputExample> batch)
        {
            Batches.Add(batch);
            Precisions.Add(Model.Precision);
            return inner.forward(batch);
        }
    }

    /// <summary>A custom order: the random one, reversed.</summary>
    private sealed class Reversed : IExampleOrder
    {
        public int[] Order(IReadOnlyList<InputExample> examples, int epoch, int seed) => [.. Enumerable.Reverse(new RandomExampleOrder().Order(examples, epoch, seed))];
    }

    /// <summary>Plain MNR whose reported loss turns NaN from a given step on.</summary>
    private sealed class NanAtStep(SentenceTransformer model, int step) : SentenceTransformerLoss(nameof(NanAtStep), model)
    {
        private readonly MultipleNegativesRankingLoss inner = new(model);
        private int _calls;

        public override TorchSharp.torch.Tensor forward(IReadOnlyList<InputExample> batch) => inner.forward(batch);

        public override double ForwardBackward(IReadOnlyList<InputExample> batch)
        {
            var value = base.ForwardBackward(batch);
            return ++_calls >= step ? double.NaN : value;
        }
    }
}
