using System.Diagnostics;
using System.Globalization;

namespace NotebookSupport.Cli.Commands;

/// <summary>
/// <c>train</c>: the tutorial's <c>model.fit</c> as a command. Reads (anchor, positive[, negative]) examples from the
/// TSV files <c>prepare-nli</c> writes or straight from NLI files (SNLI/MultiNLI in any format <c>prepare-nli</c>
/// reads), trains with the chosen loss and writes the model folder, <c>training_log.jsonl</c> and
/// <c>loss_curve.png</c>.
/// </summary>
internal static class TrainCommand
{
    /// <summary>The guide of <c>--loss gist</c> and <c>cached-gist</c> when <c>--guide</c> is not given.</summary>
    public const string DefaultGuide = "bundled:all-MiniLM-L6-v2";

    // The losses trained on pairs with a similarity score.
    private static readonly string[] _scoredLosses = ["cosent", "angle", "cosine"];

    public static Command Create()
    {
        var model = CommandOptions.Model(
            "Model to train: bundled:all-MiniLM-L6-v2, a model folder, a hub id, or random:bert-tiny|bert-mini|bert-small|minilm-2l to train new layers (minilm-2l: on the bundled model's word vectors).");
        var data = CommandOptions.Data(
            "Training files: prepare-nli TSV (header anchor<TAB>positive[<TAB>negative]) or NLI files (parquet, jsonl, tsv, csv, AllNLI).", required: true);
        var output = CommandOptions.Output("Folder for the trained model, training_log.jsonl and loss_curve.png.", "DIR");
        var loss = CommandOptions.Choice("--loss",
            "MultipleNegativesRankingLoss, its symmetric variant, the cached one (large batches in bounded memory), SoftmaxLoss, "
            + "GISTEmbedLoss (MNR with a guide model's false negatives masked; see --guide) and its cached variant, or, on pairs with a similarity score "
            + "(a sentence1<TAB>sentence2<TAB>score TSV or an STS benchmark file such as data/stsb/sts-train.csv, score / 5), "
            + "CoSENTLoss, AnglELoss or CosineSimilarityLoss.",
            "mnr", "mnr", "mnr-symmetric", "cached-mnr", "softmax", "gist", "cached-gist", "cosent", "angle", "cosine");
        var guide = new Option<string?>("--guide")
        {
            Description = $"With --loss gist or cached-gist: the frozen guide model (any --model spec); default {DefaultGuide}.",
            HelpName = "MODEL",
        };
        var matryoshkaDims = new Option<int[]?>("--matryoshka-dims")
        {
            Description = "Wrap the loss in MatryoshkaLoss at these embedding dimensions, comma-separated, e.g. 384,256,128,64 (weights 1).",
            HelpName = "D,D,...",
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                var parts = text.Split(',', StringSplitOptions.TrimEntries);
                var dims = new int[parts.Length];
                for (var i = 0; i < parts.Length; i++)
                {
                    if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) || dims[i] < 1)
                    {
                        result.AddError($"--matryoshka-dims: expected positive whole numbers separated by commas, e.g. 384,256,128,64; got '{text}'.");
                        return null;
                    }
                }
                if (dims.Distinct().Count() != dims.Length)
                {
                    result.AddError($"--matryoshka-dims: each dimension once; got '{text}'.");
                }
                return dims;
            },
        };
        var batchSize = CommandOptions.BatchSize(32, "Examples per batch.");
        var miniBatchSize = CommandOptions.AtLeastOne("--mini-batch-size", "Sentences encoded at once by cached-mnr and cached-gist (bounds memory).", 32);
        var epochs = CommandOptions.Epochs();
        var learningRate = CommandOptions.LearningRate();
        var warmupRatio = CommandOptions.WarmupRatio();
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW weight decay (not on biases and LayerNorm).", DefaultValueFactory = _ => 0.01 };
        var maxGradNorm = new Option<double>("--max-grad-norm") { Description = "Clip gradients to this L2 norm.", DefaultValueFactory = _ => 1.0 };
        var scale = CommandOptions.Scale();
        var pooling = CommandOptions.Choice<PoolingMode?>("--pooling", "Pooling of the token embeddings; default: the model's own (mean for random models).",
            null, ("cls", PoolingMode.Cls), ("max", PoolingMode.Max), ("mean", PoolingMode.Mean), ("mean-sqrt-len", PoolingMode.MeanSqrtLen));
        var maxSeqLength = CommandOptions.MaxSeqLength("the model's (128 for random models)");
        var hardNegatives = new Option<bool>("--hard-negatives") { Description = "Train on (anchor, positive, negative) triplets: the TSV's negative column, or contradictions from NLI files." };
        var seed = CommandOptions.Seed();
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
        var evalTriplets = new Option<string?>("--eval-triplets")
        {
            Description = $"Triplet accuracy scored with --eval-sts: a TSV of anchor, positive, negative, an NLI file, or {EvaluateCommand.SnliTest} (as evaluate --triplets).",
            HelpName = $"FILE|{EvaluateCommand.SnliTest}",
        };
        var evalIr = new Option<string?>("--eval-ir")
        {
            Description = $"Retrieval metrics scored with --eval-sts: an NLI file or {EvaluateCommand.SnliTest} (as evaluate --ir).",
            HelpName = $"FILE|{EvaluateCommand.SnliTest}",
        };
        var evaluationSteps = new Option<int>("--evaluation-steps") { Description = "Evaluate every N steps as well as after each epoch; 0 = only after epochs.", DefaultValueFactory = _ => 0 };
        var saveBest = new Option<bool>("--save-best-model") { Description = "Keep the best-scoring model in --output instead of the final one, by the first of --eval-sts (Spearman), --eval-triplets (accuracy) and --eval-ir (NDCG@10) given." };
        var noProgress = CommandOptions.NoProgress();
        var overwrite = CommandOptions.Overwrite("the model files, training_log.jsonl and loss_curve.png in --output, and the checkpoints and log in the checkpoint folder");
        var groupByLength = CommandOptions.GroupByLength();
        var precision = CommandOptions.TrainingPrecision();
        var optimizer = CommandOptions.Optimizer();

        var command = new Command("train", "Train a sentence transformer with Multiple Negatives Ranking loss (or SoftmaxLoss) on NLI pairs/triplets.")
        {
            model, data, output, loss, guide, matryoshkaDims, batchSize, miniBatchSize, epochs, learningRate, warmupRatio, weightDecay, maxGradNorm, scale, pooling,
            maxSeqLength, hardNegatives, seed, checkpointSteps, checkpointDir, checkpointLimit, resume, resumeChanged, evalSts, evalTriplets, evalIr, evaluationSteps,
            saveBest, groupByLength, precision, optimizer, noProgress, overwrite,
        };
        // The token lets Ctrl+C end the training at the next step with a checkpoint (exit code 130).
        command.SetAction((parseResult, cancellationToken) => Task.FromResult(CliApp.Guard(parseResult, () => Run(new Settings
        {
            Model = parseResult.GetValue(model)!,
            Data = parseResult.GetValue(data)!,
            Output = parseResult.GetValue(output)!,
            Loss = parseResult.GetValue(loss)!,
            Guide = parseResult.GetValue(guide),
            MatryoshkaDims = parseResult.GetValue(matryoshkaDims) is { Length: > 0 } dims ? dims : null,
            BatchSize = parseResult.GetValue(batchSize),
            MiniBatchSize = parseResult.GetValue(miniBatchSize),
            Epochs = parseResult.GetValue(epochs),
            LearningRate = parseResult.GetValue(learningRate),
            WarmupRatio = parseResult.GetValue(warmupRatio),
            WeightDecay = parseResult.GetValue(weightDecay),
            MaxGradNorm = parseResult.GetValue(maxGradNorm),
            Scale = parseResult.GetValue(scale),
            Pooling = parseResult.GetValue(pooling),
            MaxSeqLength = parseResult.GetValue(maxSeqLength),
            HardNegatives = parseResult.GetValue(hardNegatives),
            Seed = parseResult.GetValue(seed),
            CheckpointSteps = parseResult.GetValue(checkpointSteps),
            CheckpointDir = parseResult.GetValue(checkpointDir),
            CheckpointLimit = parseResult.GetValue(checkpointLimit),
            Resume = parseResult.GetResult(resume) is not null,
            ResumeFrom = parseResult.GetValue(resume),
            ResumeChanged = parseResult.GetValue(resumeChanged),
            EvalSts = parseResult.GetValue(evalSts),
            EvalTriplets = parseResult.GetValue(evalTriplets),
            EvalIr = parseResult.GetValue(evalIr),
            EvaluationSteps = parseResult.GetValue(evaluationSteps),
            SaveBestModel = parseResult.GetValue(saveBest),
            ShowProgress = !parseResult.GetValue(noProgress),
            GroupByLength = parseResult.GetValue(groupByLength),
            Precision = parseResult.GetValue(precision),
            Optimizer = parseResult.GetValue(optimizer),
            Overwrite = parseResult.GetValue(overwrite),
        }, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, cancellationToken))));
        return command;
    }

    /// <summary>The parsed options, by name; <see cref="Resume"/> is true for a <c>--resume</c> with or without a folder.</summary>
    private sealed record Settings
    {
        public required string Model { get; init; }
        public required string[] Data { get; init; }
        public required string Output { get; init; }
        public required string Loss { get; init; }
        public required string? Guide { get; init; }
        public required int[]? MatryoshkaDims { get; init; }
        public required int BatchSize { get; init; }
        public required int MiniBatchSize { get; init; }
        public required int Epochs { get; init; }
        public required double LearningRate { get; init; }
        public required double WarmupRatio { get; init; }
        public required double WeightDecay { get; init; }
        public required double MaxGradNorm { get; init; }
        public required double Scale { get; init; }
        public required PoolingMode? Pooling { get; init; }
        public required int? MaxSeqLength { get; init; }
        public required bool HardNegatives { get; init; }
        public required int Seed { get; init; }
        public required int CheckpointSteps { get; init; }
        public required string? CheckpointDir { get; init; }
        public required int CheckpointLimit { get; init; }
        public required bool Resume { get; init; }
        public required string? ResumeFrom { get; init; }
        public required bool ResumeChanged { get; init; }
        public required string? EvalSts { get; init; }
        public required string? EvalTriplets { get; init; }
        public required string? EvalIr { get; init; }
        public required int EvaluationSteps { get; init; }
        public required bool SaveBestModel { get; init; }
        public required bool ShowProgress { get; init; }
        public required bool GroupByLength { get; init; }
        public required Precision Precision { get; init; }
        public required OptimizerKind Optimizer { get; init; }
        public required bool Overwrite { get; init; }
    }

    private static int Run(Settings s, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (s.ResumeChanged && !s.Resume)
        {
            throw new ArgumentException("--resume-changed only applies to a resume; add --resume.");
        }
        if (s.Guide is not null && s.Loss is not ("gist" or "cached-gist"))
        {
            throw new ArgumentException($"--guide only applies to --loss gist and cached-gist, not --loss {s.Loss}.");
        }
        if (s.MatryoshkaDims is not null && s.Loss is "softmax" or "cached-mnr" or "cached-gist")
        {
            throw new ArgumentException($"--matryoshka-dims cannot wrap --loss {s.Loss}; use mnr, mnr-symmetric, gist, cosent, angle or cosine.");
        }
        var examples = ReadExamples(s, stdout);
        TorchSharp.torch.manual_seed(s.Seed);
        var model = LoadModel(s, stderr);
        stdout.WriteLine($"model: {s.Model}, {model.Transformer.Config.NumHiddenLayers} layers, hidden {model.Transformer.Config.HiddenSize}, " +
                         $"pooling {model.Pooling.Mode}, max_seq_length {model.MaxSeqLength}");
        SentenceTransformerLoss loss = s.Loss switch
        {
            "mnr" => new MultipleNegativesRankingLoss(model, s.Scale),
            "mnr-symmetric" => new MultipleNegativesSymmetricRankingLoss(model, s.Scale),
            "cached-mnr" => new CachedMultipleNegativesRankingLoss(model, s.Scale, miniBatchSize: s.MiniBatchSize),
            "softmax" => new SoftmaxLoss(model, numLabels: 3),
            "gist" => new GISTEmbedLoss(model, LoadGuide(s, stdout, stderr), temperature: 1 / s.Scale),
            "cached-gist" => new CachedGISTEmbedLoss(model, LoadGuide(s, stdout, stderr), temperature: 1 / s.Scale, miniBatchSize: s.MiniBatchSize),
            "cosent" => new CoSENTLoss(model, s.Scale),
            "angle" => new AnglELoss(model, s.Scale),
            "cosine" => new CosineSimilarityLoss(model),
            _ => throw new UnreachableException($"--loss {s.Loss} passed the parser."),
        };
        if (s.MatryoshkaDims is { } dims)
        {
            foreach (var d in dims.Where(d => d > model.EmbeddingDimension))
            {
                throw new ArgumentException($"--matryoshka-dims: {d} is larger than the model's embedding dimension, {model.EmbeddingDimension}.");
            }
            stdout.WriteLine($"loss: MatryoshkaLoss at dimensions {string.Join(", ", dims)} around {loss.GetType().Name}");
            loss = new MatryoshkaLoss((EmbeddingLoss)loss, dims);
        }
        var loader = new NoDuplicatesDataLoader(examples, s.BatchSize, s.Seed);
        var evaluator = Evaluator(s);
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
        CommandOptions.WriteSpeedOptions(stdout, stderr, s.GroupByLength, s.Precision, trainer.Optimizer);
        if (!s.Resume)
        {
            stdout.WriteLine($"estimated training time: {TrainingTimeEstimate.Measure(trainer)}");
        }

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
        return CliApp.Success;
    }

    // --eval-sts, --eval-triplets and --eval-ir, in that order; one evaluator runs on its own, several in sequence.
    private static SentenceEvaluator? Evaluator(Settings s)
    {
        var evaluators = new List<SentenceEvaluator>();
        if (s.EvalSts is { } sts)
        {
            evaluators.Add(EmbeddingSimilarityEvaluator.FromStsFile(CommandOptions.Existing(new FileInfo(sts), "--eval-sts").FullName));
        }
        if (s.EvalTriplets is { } triplets)
        {
            evaluators.Add(EvaluateCommand.Triplets(triplets, "--eval-triplets", batchSize: 64, truncateDim: null, out _));
        }
        if (s.EvalIr is { } ir)
        {
            evaluators.Add(EvaluateCommand.Retrieval(ir, "--eval-ir", batchSize: 64, truncateDim: null, out _));
        }
        return evaluators.Count switch
        {
            0 => null,
            1 => evaluators[0],
            _ => new SequentialEvaluator(evaluators),
        };
    }

    private static SentenceTransformer LoadGuide(Settings s, TextWriter stdout, TextWriter stderr)
    {
        var spec = s.Guide ?? DefaultGuide;
        var guide = ModelSpec.Load(spec, maxSeqLength: null, stderr);
        stdout.WriteLine($"guide: {spec}, {guide.Transformer.Config.NumHiddenLayers} layers, hidden {guide.Transformer.Config.HiddenSize} (frozen)");
        return guide;
    }

    private static SentenceTransformer LoadModel(Settings s, TextWriter stderr)
    {
        var model = ModelSpec.Load(s.Model, s.MaxSeqLength, stderr, s.Pooling);
        return s.Pooling is { } mode && mode != model.Pooling.Mode
            ? new SentenceTransformer(model.Transformer, new Pooling(model.EmbeddingDimension, mode), model.Normalize)
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
            if (_scoredLosses.Contains(s.Loss))
            {
                read = InputExampleTsv.IsFile(path) ? InputExampleTsv.Read(path) : StsBenchmark.LoadInputExamples(path);
                if (read.FirstOrDefault(e => e.Label is null) is { } unscored)
                {
                    throw new ArgumentException($"--data {path}: --loss {s.Loss} needs a similarity score per pair (a sentence1<TAB>sentence2<TAB>score TSV or an STS benchmark file); found {unscored}.");
                }
                description = "pairs with a similarity score";
            }
            else if (InputExampleTsv.IsFile(path))
            {
                if (s.Loss == "softmax")
                {
                    throw new ArgumentException($"--data {path}: a prepare-nli TSV has no labels; SoftmaxLoss needs NLI files with labels.");
                }
                var tsv = InputExampleTsv.Read(path);
                var width = tsv.Count == 0 ? 2 : tsv[0].Texts.Count;
                if (s.HardNegatives && width < 3)
                {
                    throw new ArgumentException($"--data {path}: --hard-negatives needs a negative column (header anchor<TAB>positive<TAB>negative); run prepare-nli --triplets or mine-negatives.");
                }
                read = s.HardNegatives || width == 2 ? tsv : [.. tsv.Select(e => new InputExample(e.Texts[0], e.Texts[1]))];
                var kind = width == 3 ? "triplets" : $"examples with {width - 2} negatives";
                description = width == 2 ? "pairs" : s.HardNegatives ? kind : $"{kind} used as pairs (no --hard-negatives)";
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
}
