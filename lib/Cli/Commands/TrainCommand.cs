using System.CommandLine;
using System.Diagnostics;
using NotebookSupport.Data;
using NotebookSupport.Data.Nli;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Plotting;
using NotebookSupport.Training;

namespace NotebookSupport.Cli.Commands;

/// <summary>
/// <c>train</c>: the tutorial's <c>model.fit</c> as a command. Reads (anchor, positive[, negative]) examples from the
/// TSV files <c>prepare-nli</c> writes or straight from NLI files (SNLI/MultiNLI in any format <c>prepare-nli</c>
/// reads), trains with the chosen loss and writes the model folder, <c>training_log.jsonl</c> and
/// <c>loss_curve.png</c>.
/// </summary>
internal static class TrainCommand
{
    private static readonly string[] LossNames = ["mnr", "mnr-symmetric", "cached-mnr", "softmax"];
    private static readonly string[] PoolingNames = ["cls", "max", "mean", "mean-sqrt-len"];

    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = "Model to train: bundled:all-MiniLM-L6-v2, a model folder, a hub id, or random:bert-tiny|bert-mini|bert-small to train from scratch.",
            Required = true,
        };
        var data = new Option<string[]>("--data")
        {
            Description = "Training files: prepare-nli TSV (header anchor<TAB>positive[<TAB>negative]) or NLI files (parquet, jsonl, tsv, csv, AllNLI).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--output") { Description = "Folder for the trained model, training_log.jsonl and loss_curve.png.", Required = true };
        var loss = new Option<string>("--loss") { Description = "mnr | mnr-symmetric | cached-mnr | softmax.", DefaultValueFactory = _ => "mnr" };
        loss.AcceptOnlyFromAmong(LossNames);
        var batchSize = new Option<int>("--batch-size") { Description = "Examples per batch.", DefaultValueFactory = _ => 32 };
        var miniBatchSize = new Option<int>("--mini-batch-size") { Description = "Sentences encoded at once by cached-mnr (bounds memory).", DefaultValueFactory = _ => 32 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the data.", DefaultValueFactory = _ => 1 };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate of AdamW.", DefaultValueFactory = _ => 2e-5 };
        var warmupRatio = new Option<double>("--warmup-ratio") { Description = "Fraction of all steps used for linear warm-up.", DefaultValueFactory = _ => 0.1 };
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW weight decay (not on biases and LayerNorm).", DefaultValueFactory = _ => 0.01 };
        var maxGradNorm = new Option<double>("--max-grad-norm") { Description = "Clip gradients to this L2 norm.", DefaultValueFactory = _ => 1.0 };
        var scale = new Option<double>("--scale") { Description = "Similarity scale of the MNR losses (1 / temperature).", DefaultValueFactory = _ => 20.0 };
        var pooling = new Option<string?>("--pooling") { Description = "cls | max | mean | mean-sqrt-len; default: the model's own (mean for random models)." };
        pooling.AcceptOnlyFromAmong(PoolingNames);
        var maxSeqLength = new Option<int?>("--max-seq-length") { Description = "Truncate inputs to this many tokens; default: the model's (128 for random models)." };
        var hardNegatives = new Option<bool>("--hard-negatives") { Description = "Train on (anchor, positive, negative) triplets: the TSV's negative column, or contradictions from NLI files." };
        var seed = new Option<int>("--seed") { Description = "Random seed (data order, dropout, random init).", DefaultValueFactory = _ => 42 };
        var checkpointSteps = new Option<int>("--checkpoint-steps") { Description = "Save a checkpoint every N steps; 0 = none.", DefaultValueFactory = _ => 500 };
        var checkpointDir = new Option<string?>("--checkpoint-dir") { Description = "Checkpoint folder; default <output>-checkpoints." };
        var checkpointLimit = new Option<int>("--checkpoint-limit") { Description = "Keep only the newest N checkpoints; 0 = all.", DefaultValueFactory = _ => 3 };
        var resume = new Option<string?>("--resume")
        {
            Description = "Resume from a checkpoint folder, or (no value) from the newest checkpoint in the checkpoint folder.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var resumeChanged = new Option<bool>("--resume-changed")
        {
            Description = "With --resume: continue although the seed, batch size, loss settings, data or model differ from the checkpoint's run (the differences are printed); without it such a resume fails.",
        };
        var evalSts = new Option<string?>("--eval-sts") { Description = "STS benchmark file (e.g. data/stsb/sts-dev.csv) scored before training, after each epoch and every --evaluation-steps." };
        var evaluationSteps = new Option<int>("--evaluation-steps") { Description = "Evaluate every N steps as well as after each epoch; 0 = only after epochs.", DefaultValueFactory = _ => 0 };
        var saveBest = new Option<bool>("--save-best-model") { Description = "With --eval-sts, keep the best-scoring model in --output instead of the final one." };
        var noProgress = new Option<bool>("--no-progress") { Description = "No progress bar (for logs and CI)." };
        var overwrite = CommandOptions.Overwrite("the model files, training_log.jsonl and loss_curve.png in --output, and the checkpoints and log in the checkpoint folder");
        var groupByLength = CommandOptions.GroupByLength();
        var precision = CommandOptions.TrainingPrecision();
        var optimizer = CommandOptions.Optimizer();

        var command = new Command("train", "Train a sentence transformer with Multiple Negatives Ranking loss (or SoftmaxLoss) on NLI pairs/triplets.");
        foreach (var option in new Option[] { model, data, output, loss, batchSize, miniBatchSize, epochs, learningRate, warmupRatio, weightDecay, maxGradNorm, scale, pooling, maxSeqLength, hardNegatives, seed, checkpointSteps, checkpointDir, checkpointLimit, resume, resumeChanged, evalSts, evaluationSteps, saveBest, groupByLength, precision, optimizer, noProgress, overwrite })
        {
            command.Options.Add(option);
        }
        command.SetAction((parseResult, cancellationToken) =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            try
            {
                var settings = new Settings(
                    parseResult.GetValue(model)!, parseResult.GetValue(data)!, parseResult.GetValue(output)!, parseResult.GetValue(loss)!,
                    Positive(parseResult.GetValue(batchSize), "--batch-size"), Positive(parseResult.GetValue(miniBatchSize), "--mini-batch-size"),
                    Positive(parseResult.GetValue(epochs), "--epochs"), parseResult.GetValue(learningRate), parseResult.GetValue(warmupRatio),
                    parseResult.GetValue(weightDecay), parseResult.GetValue(maxGradNorm), parseResult.GetValue(scale),
                    parseResult.GetValue(pooling), parseResult.GetValue(maxSeqLength), parseResult.GetValue(hardNegatives), parseResult.GetValue(seed),
                    parseResult.GetValue(checkpointSteps), parseResult.GetValue(checkpointDir), parseResult.GetValue(checkpointLimit),
                    parseResult.GetResult(resume) is not null, parseResult.GetValue(resume), parseResult.GetValue(evalSts),
                    parseResult.GetValue(evaluationSteps), parseResult.GetValue(saveBest), !parseResult.GetValue(noProgress),
                    parseResult.GetValue(groupByLength), parseResult.GetValue(precision), parseResult.GetValue(optimizer),
                    parseResult.GetValue(resumeChanged), parseResult.GetValue(overwrite));
                return Task.FromResult(Run(settings, stdout, cancellationToken));
            }
            catch (Exception e) when (e is NliFormatException or FileNotFoundException or DirectoryNotFoundException or IOException
                                          or ArgumentException or InvalidOperationException or InvalidDataException or TrainingDivergedException or ModelNotFoundException)
            {
                stderr.WriteLine($"error: {e.Message}");
                return Task.FromResult(1);
            }
        });
        return command;
    }

    private sealed record Settings(
        string Model, string[] Data, string Output, string Loss, int BatchSize, int MiniBatchSize, int Epochs, double LearningRate,
        double WarmupRatio, double WeightDecay, double MaxGradNorm, double Scale, string? Pooling, int? MaxSeqLength, bool HardNegatives,
        int Seed, int CheckpointSteps, string? CheckpointDir, int CheckpointLimit, bool Resume, string? ResumeFrom, string? EvalSts,
        int EvaluationSteps, bool SaveBestModel, bool ShowProgress, bool GroupByLength, Precision Precision, OptimizerKind Optimizer,
        bool ResumeChanged, bool Overwrite);

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new ArgumentException($"{option} must be at least 1; got {value}.");

    private static int Run(Settings s, TextWriter stdout, CancellationToken cancellationToken)
    {
        if (s.ResumeChanged && !s.Resume)
        {
            throw new ArgumentException("--resume-changed only applies to a resume; add --resume.");
        }
        var examples = ReadExamples(s, stdout);
        TorchSharp.torch.manual_seed(s.Seed);
        var model = LoadModel(s);
        stdout.WriteLine($"model: {s.Model}, {model.Transformer.Config.NumHiddenLayers} layers, hidden {model.Transformer.Config.HiddenSize}, " +
                         $"pooling {model.Pooling.Mode}, max_seq_length {model.MaxSeqLength}");
        SentenceTransformerLoss loss = s.Loss switch
        {
            "mnr" => new MultipleNegativesRankingLoss(model, s.Scale),
            "mnr-symmetric" => new MultipleNegativesSymmetricRankingLoss(model, s.Scale),
            "cached-mnr" => new CachedMultipleNegativesRankingLoss(model, s.Scale, miniBatchSize: s.MiniBatchSize),
            "softmax" => new SoftmaxLoss(model, numLabels: 3),
            _ => throw new ArgumentException($"--loss: unknown loss '{s.Loss}'; expected one of {string.Join(", ", LossNames)}."),
        };
        var loader = new NoDuplicatesDataLoader(examples, s.BatchSize, s.Seed);
        var evaluator = s.EvalSts is null ? null : EmbeddingSimilarityEvaluator.FromStsFile(s.EvalSts);
        var checkpointDir = s.CheckpointDir ?? Path.TrimEndingDirectorySeparator(Path.GetFullPath(s.Output)) + "-checkpoints";
        var stopwatch = Stopwatch.StartNew();
        var options = new FitOptions
        {
            Epochs = s.Epochs,
            WarmupRatio = s.WarmupRatio,
            LearningRate = s.LearningRate,
            WeightDecay = s.WeightDecay,
            MaxGradNorm = s.MaxGradNorm,
            OutputPath = s.Output,
            SaveBestModel = s.SaveBestModel,
            ShowProgressBar = s.ShowProgress,
            Evaluator = evaluator,
            EvaluationSteps = s.EvaluationSteps,
            CheckpointPath = s.CheckpointSteps > 0 || s.Resume ? checkpointDir : null,
            CheckpointSaveSteps = s.CheckpointSteps > 0 ? s.CheckpointSteps : int.MaxValue,
            CheckpointSaveTotalLimit = s.CheckpointLimit,
            ResumeFromCheckpoint = s.Resume ? s.ResumeFrom ?? checkpointDir : null,
            AllowResumeWithChanges = s.ResumeChanged,
            Seed = s.Seed,
            GroupByLength = s.GroupByLength,
            Precision = s.Precision,
            Optimizer = s.Optimizer,
            LogPath = Path.Combine(checkpointDir, Trainer.LogFileName),
            CancellationToken = cancellationToken,
            Overwrite = s.Overwrite,
            Callbacks = [new LossCurveCallback()],
        };
        // Built before the first evaluation: it refuses, at once, to replace an earlier run's outputs.
        var trainer = new Trainer(model, [(loader, loss)], options);
        if (evaluator is not null && !s.Resume)
        {
            stdout.WriteLine($"before training: {evaluator.Evaluate(model)}");
        }
        stdout.WriteLine($"training: {examples.Count:N0} examples, {trainer.Objectives[0].Loader.BatchCount(0):N0} batches of {s.BatchSize} per epoch, {s.Epochs} epoch(s), " +
                         $"{trainer.TotalSteps:N0} steps, {trainer.WarmupSteps:N0} warm-up, loss {s.Loss}, lr {s.LearningRate:G3}");
        stdout.WriteLine(CommandOptions.SpeedOptionsLine(s.GroupByLength, s.Precision, trainer.Optimizer));
        var result = trainer.Train();
        foreach (var evaluation in result.Evaluations)
        {
            stdout.WriteLine($"evaluation: {evaluation}");
        }
        var losses = result.Losses;
        if (losses.Count > 0)
        {
            var window = Math.Max(1, Math.Min(20, losses.Count / 5));
            stdout.WriteLine($"loss: first {window} steps {losses.Take(window).Average(l => l.Loss):F4}, last {window} steps {losses.TakeLast(window).Average(l => l.Loss):F4}");
        }
        if (!result.Completed)
        {
            stdout.WriteLine($"interrupted at step {result.GlobalStep} of {result.TotalSteps}; checkpoint {result.LastCheckpoint ?? "(none)"}; continue with --resume");
            return 130;
        }
        stdout.WriteLine($"done: {result.GlobalStep:N0} steps in {stopwatch.Elapsed:hh\\:mm\\:ss} (training {result.Elapsed:hh\\:mm\\:ss}); model, {Trainer.LogFileName} and {LossCurve.FileName} in {s.Output}");
        return 0;
    }

    private static SentenceTransformer LoadModel(Settings s)
    {
        var mode = s.Pooling switch
        {
            null => (PoolingMode?)null,
            "cls" => PoolingMode.Cls,
            "max" => PoolingMode.Max,
            "mean" => PoolingMode.Mean,
            "mean-sqrt-len" => PoolingMode.MeanSqrtLen,
            _ => throw new ArgumentException($"--pooling: unknown mode '{s.Pooling}'; expected one of {string.Join(", ", PoolingNames)}."),
        };
        const string randomPrefix = "random:";
        if (s.Model.StartsWith(randomPrefix, StringComparison.Ordinal))
        {
            var name = s.Model[randomPrefix.Length..];
            if (!BertMiniatures.Names.Contains(name))
            {
                throw new ArgumentException($"--model: unknown random model '{name}'; expected random:{string.Join(", random:", BertMiniatures.Names)}.");
            }
            return BertMiniatures.CreateRandom(name, mode ?? PoolingMode.Mean, s.MaxSeqLength ?? 128);
        }
        var model = SentenceTransformer.Load(s.Model);
        if (s.MaxSeqLength is { } length)
        {
            model.MaxSeqLength = length;
        }
        return mode is { } m && m != model.Pooling.Mode
            ? new SentenceTransformer(model.Transformer, new Pooling(model.EmbeddingDimension, m), model.Normalize)
            : model;
    }

    private static List<InputExample> ReadExamples(Settings s, TextWriter stdout)
    {
        var examples = new List<InputExample>();
        foreach (var path in s.Data)
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"--data: file '{path}' does not exist.", path);
            }
            IReadOnlyList<InputExample> read;
            string description;
            if (IsPairsTsv(path))
            {
                if (s.Loss == "softmax")
                {
                    throw new ArgumentException($"--data {path}: a prepare-nli TSV has no labels; SoftmaxLoss needs NLI files with labels.");
                }
                var tsv = InputExampleTsv.Read(path);
                var width = tsv.Count == 0 ? 2 : tsv[0].Texts.Count;
                if (s.HardNegatives && width < 3)
                {
                    throw new ArgumentException($"--data {path}: --hard-negatives needs a negative column (header anchor<TAB>positive<TAB>negative); run prepare-nli --triplets.");
                }
                read = s.HardNegatives || width == 2 ? tsv : [.. tsv.Select(e => new InputExample(e.Texts[0], e.Texts[1]))];
                description = width == 3 && !s.HardNegatives ? "triplets used as pairs (no --hard-negatives)" : width == 3 ? "triplets" : "pairs";
            }
            else
            {
                var dataset = NliLoader.Load(path);
                var extracted = s.Loss == "softmax" ? dataset.ToInputExamples() : s.HardNegatives ? dataset.ToTriplets() : dataset.ToPairs();
                read = extracted.Examples;
                description = (s.Loss == "softmax" ? "labelled pairs" : s.HardNegatives ? "triplets" : "entailment pairs") +
                              string.Concat(extracted.Dropped.Select(d => $"; {d.Value:N0} rows left out: {d.Key}"));
            }
            stdout.WriteLine($"{path}: {read.Count:N0} {description}");
            examples.AddRange(read);
        }
        if (examples.Count == 0)
        {
            throw new ArgumentException($"--data: no training examples in {string.Join(", ", s.Data)}.");
        }
        return examples;
    }

    private static bool IsPairsTsv(string path)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine();
        return header is "anchor\tpositive" or "anchor\tpositive\tnegative";
    }
}
