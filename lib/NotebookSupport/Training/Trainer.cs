using System.Diagnostics;
using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// The training loop behind <c>model.Fit(...)</c>: for every step, one batch from each training objective, their
/// losses back-propagated together, gradient clipping, an AdamW step (<see cref="FusedAdamW"/> by default, see
/// <see cref="FitOptions.Optimizer"/>) and the linear warm-up/decay schedule; with evaluation, checkpoints, exact
/// resume, a JSON-lines log, progress reports and <see cref="FitOptions.Callbacks"/>.
/// </summary>
/// <remarks>
/// <para>
/// Steps per epoch are the batch count of the shortest loader (or <see cref="FitOptions.StepsPerEpoch"/>), and every
/// loader yields its planned batches for that epoch. A NaN or infinite loss or gradient norm stops training with a
/// <see cref="TrainingDivergedException"/> before the optimizer step, so the model and the last checkpoint stay good.
/// </para>
/// <para>
/// Outputs: with <see cref="FitOptions.OutputPath"/>, the model in sentence-transformers layout (the final one, or the
/// best one by the evaluator's Spearman when <see cref="FitOptions.SaveBestModel"/>), plus <c>training_log.jsonl</c>
/// and the callbacks' files (<see cref="TrainerCallback.OutputFiles"/>, such as the loss curve) beside it at the end.
/// Other files in that folder are left alone; a training that would replace an earlier run's outputs is refused before
/// it starts unless <see cref="FitOptions.Overwrite"/> or resuming.
/// </para>
/// </remarks>
public sealed class Trainer
{
    /// <summary>File name of the training log in the output and checkpoint folders.</summary>
    public const string LogFileName = "training_log.jsonl";

    private readonly IReadOnlyList<SentenceTransformerLoss> _losses;

    /// <summary>Prepares training of <paramref name="model"/> on <paramref name="trainObjectives"/>.</summary>
    public Trainer(SentenceTransformer model, IReadOnlyList<(IDataLoader Loader, SentenceTransformerLoss Loss)> trainObjectives, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(trainObjectives);
        options ??= new FitOptions();
        if (trainObjectives.Count == 0)
        {
            throw new ArgumentException("Fit needs at least one (loader, loss) training objective.", nameof(trainObjectives));
        }
        for (var i = 0; i < trainObjectives.Count; i++)
        {
            if (!ReferenceEquals(trainObjectives[i].Loss.Model, model))
            {
                throw new ArgumentException($"The loss of training objective {i} ({trainObjectives[i].Loss.GetType().Name}) was created for another model instance.", nameof(trainObjectives));
            }
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, nameof(options.Epochs));
        ArgumentOutOfRangeException.ThrowIfNegative(options.LearningRate, nameof(options.LearningRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxGradNorm, nameof(options.MaxGradNorm));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CheckpointSaveSteps, 1, nameof(options.CheckpointSaveSteps));
        ArgumentOutOfRangeException.ThrowIfNegative(options.EvaluationSteps, nameof(options.EvaluationSteps));
        if (options.WarmupRatio is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options.WarmupRatio), options.WarmupRatio, "Expected a fraction between 0 and 1.");
        }
        if (options.Precision is { } precision && !Enum.IsDefined(precision))
        {
            throw new ArgumentOutOfRangeException(nameof(options.Precision), precision, "Expected Float32 or BFloat16.");
        }
        if (!options.Overwrite && options.ResumeFromCheckpoint is null)
        {
            RefuseToReplaceEarlierOutputs(options);
        }
        Model = model;
        Objectives = options.GroupByLength ? [.. trainObjectives.Select((o, i) => (GroupedByLength(o.Loader, i), o.Loss))] : trainObjectives;
        Options = options;
        _losses = [.. trainObjectives.Select(o => o.Loss)];
        Optimizer = FitOptimizer.Resolve(options.Optimizer, NamedParameters());
    }

    /// <summary>The model being trained.</summary>
    public SentenceTransformer Model { get; }

    /// <summary>The (loader, loss) pairs; with <see cref="FitOptions.GroupByLength"/>, the loaders are the length-grouped ones.</summary>
    public IReadOnlyList<(IDataLoader Loader, SentenceTransformerLoss Loss)> Objectives { get; }

    /// <summary>The options.</summary>
    public FitOptions Options { get; }

    /// <summary>The AdamW implementation this training uses: <see cref="FitOptions.Optimizer"/> with <see cref="OptimizerKind.Auto"/> resolved.</summary>
    public OptimizerKind Optimizer { get; }

    /// <summary>Steps of <paramref name="epoch"/>: the shortest loader's exact batch count, or <see cref="FitOptions.StepsPerEpoch"/>.</summary>
    public int StepsPerEpoch(int epoch)
    {
        var available = Objectives.Min(o => o.Loader.BatchCount(epoch));
        if (Options.StepsPerEpoch is not { } requested)
        {
            return available;
        }
        if (requested < 1 || requested > available)
        {
            throw new ArgumentOutOfRangeException(nameof(Options.StepsPerEpoch), requested, $"Expected 1 to {available}, the batch count of epoch {epoch + 1}.");
        }
        return requested;
    }

    /// <summary>Steps of the whole training.</summary>
    public int TotalSteps => Enumerable.Range(0, Options.Epochs).Sum(StepsPerEpoch);

    /// <summary>Warm-up steps: <see cref="FitOptions.WarmupSteps"/>, or <see cref="FitOptions.WarmupRatio"/> of <see cref="TotalSteps"/>.</summary>
    public int WarmupSteps => Options.WarmupSteps ?? (int)(Options.WarmupRatio * TotalSteps);

    /// <summary>Runs the training (or the rest of it, when resuming) and returns what happened.</summary>
    public TrainingResult Train()
    {
        var run = new Run(this);
        return Options.ShowProgressBar
            ? ConsoleProgressBar.Run(run.TotalSteps, run.GlobalStep, bar => run.Execute(bar))
            : run.Execute(null);
    }

    /// <summary>
    /// A new training would replace the model, log, callbacks' files or checkpoints an earlier run left; refused up front,
    /// before hours of training end in a save that destroys them.
    /// </summary>
    private static void RefuseToReplaceEarlierOutputs(FitOptions options)
    {
        var conflicts = new List<string>();
        void Add(string folder, IEnumerable<string> files)
        {
            if (files.ToList() is { Count: > 0 } found)
            {
                conflicts.Add($"{Path.GetFullPath(folder)}: {string.Join(", ", found)}");
            }
        }
        if (options.OutputPath is { } output && Directory.Exists(output))
        {
            string[] trainingFiles = [LogFileName, .. options.Callbacks.SelectMany(c => c.OutputFiles)];
            Add(output, SentenceTransformerWriter.ExistingModelFiles(output).Concat(trainingFiles.Where(f => File.Exists(Path.Combine(output, f)))));
        }
        if (options.LogPath is { } log && File.Exists(log))
        {
            Add(Path.GetDirectoryName(Path.GetFullPath(log))!, [Path.GetFileName(log)]);
        }
        if (options.CheckpointPath is { } root)
        {
            Add(root, Checkpoints.List(root).Select(c => Path.GetFileName(c.Path)));
        }
        if (conflicts.Count > 0)
        {
            throw new IOException(
                $"Not starting the training: it would replace the outputs of an earlier run or another model ({string.Join("; ", conflicts.Distinct())}). " +
                "Choose other folders, resume that run (FitOptions.ResumeFromCheckpoint, st train --resume), or let this run replace them " +
                "(FitOptions.Overwrite, st train --overwrite); other files in these folders are never touched.");
        }
    }

    private List<(string Name, Parameter Parameter)> NamedParameters() =>
        [.. Model.named_parameters().Concat(_losses.SelectMany((loss, i) => loss.named_parameters().Select(p => ($"loss{i}.{p.name}", p.parameter))))];

    private IDataLoader GroupedByLength(IDataLoader loader, int objective) => loader switch
    {
        NoDuplicatesDataLoader { Order: RandomExampleOrder } random => random.WithOrder(LengthGroupedExampleOrder.For(Model)),
        NoDuplicatesDataLoader { Order: LengthGroupedExampleOrder } => loader,
        NoDuplicatesDataLoader { Order: var other } => throw new ArgumentException(
            $"FitOptions.GroupByLength: the loader of training objective {objective} already uses its own order ({other.GetType().Name}); " +
            "drop GroupByLength or give that loader a LengthGroupedExampleOrder.", nameof(FitOptions.GroupByLength)),
        _ => throw new ArgumentException(
            $"FitOptions.GroupByLength: the loader of training objective {objective} is a {loader.GetType().Name}, whose batches Fit cannot regroup; " +
            "drop GroupByLength, or group by length in that loader.", nameof(FitOptions.GroupByLength)),
    };

    /// <summary>The mutable state of one call to <see cref="Train"/>.</summary>
    private sealed class Run
    {
        private readonly Trainer _trainer;
        private readonly FitOptions _options;
        private readonly List<Parameter> _parameters;
        private readonly FitOptimizer _optimizer;
        private readonly List<TrainingLogEntry> _log = [];
        private readonly List<EvaluationResult> _evaluations = [];
        private readonly double _elapsedBefore;
        private readonly int _stepsBefore;
        private readonly Stopwatch _stopwatch = new();
        private RunFingerprint? _fingerprint;
        private double? _bestScore;
        private Precision _precisionOutsideTraining;
        private int _epoch;
        private int _batchInEpoch;
        private int _lastEvaluatedStep = -1;
        private int _lastCheckpointStep = -1;
        private string? _lastCheckpoint;

        public Run(Trainer trainer)
        {
            _trainer = trainer;
            _options = trainer.Options;
            TotalSteps = trainer.TotalSteps;
            if (TotalSteps == 0)
            {
                throw new InvalidOperationException("There is nothing to train: every loader yields 0 batches.");
            }
            var named = trainer.NamedParameters();
            _parameters = [.. named.Select(p => p.Parameter).Distinct()];
            _optimizer = new FitOptimizer(trainer.Optimizer, named, _options.LearningRate, _options.WeightDecay, trainer.WarmupSteps, TotalSteps);
            if (_options.ResumeFromCheckpoint is { } resume)
            {
                var state = RestoreCheckpoint(resume);
                GlobalStep = state.GlobalStep;
                _epoch = state.Epoch;
                _batchInEpoch = state.BatchInEpoch;
                _elapsedBefore = state.ElapsedSeconds;
                _bestScore = state.BestScore;
                _lastEvaluatedStep = state.LastEvaluatedStep ?? -1;
                _log.AddRange(state.LogHistory);
            }
            else
            {
                manual_seed(_options.Seed);
            }
            _stepsBefore = GlobalStep;
        }

        public int TotalSteps { get; }

        public int GlobalStep { get; private set; }

        /// <summary>Trains the remaining epochs, then saves the outputs and runs the callbacks (unless cancelled).</summary>
        public TrainingResult Execute(IProgress<TrainingProgress>? bar)
        {
            var logPath = _options.LogPath ?? (_options.CheckpointPath is { } root ? Path.Combine(root, LogFileName) : null);
            using var liveLog = logPath is null ? null : TrainingLog.Open(logPath, _log);
            if (!TrainEpochs(liveLog, bar))
            {
                return Result(completed: false);
            }
            var result = Result(completed: true);
            SaveOutputs(result);
            return result;
        }

        /// <summary>What a resume restores, after checking that the checkpoint belongs to this run.</summary>
        private TrainerState RestoreCheckpoint(string resume)
        {
            var checkpoint = Checkpoints.Resolve(resume);
            var stateFile = Path.Combine(checkpoint, Checkpoints.StateFile);
            // Everything is compared before anything is restored, so a refused resume leaves the model as it was.
            var saved = Checkpoints.ReadState(checkpoint);
            var notes = ResumeCheck.Verify(stateFile, saved, Fingerprint, _options.Seed, _options.AllowResumeWithChanges);
            if (saved.TotalSteps != TotalSteps || saved.WarmupSteps != _trainer.WarmupSteps)
            {
                throw new InvalidOperationException(
                    $"{stateFile}: the checkpoint belongs to a training of {saved.TotalSteps} steps " +
                    $"({saved.WarmupSteps} warm-up); this run has {TotalSteps} ({_trainer.WarmupSteps}). Resume with the same data, batch size, epochs and warm-up.");
            }
            foreach (var note in notes)
            {
                Console.Error.WriteLine(note);
            }
            var state = _optimizer.Load(checkpoint, _trainer.Model, _trainer._losses);
            _lastCheckpoint = checkpoint;
            return state;
        }

        /// <summary>
        /// The epochs from where training stands, with the model in training mode at the training precision; its mode
        /// and precision are restored afterwards. False when cancelled.
        /// </summary>
        private bool TrainEpochs(TrainingLog? liveLog, IProgress<TrainingProgress>? bar)
        {
            var model = _trainer.Model;
            var wasTraining = model.training;
            _precisionOutsideTraining = model.Precision;
            model.Precision = _options.Precision ?? _precisionOutsideTraining;
            model.train();
            foreach (var loss in _trainer._losses)
            {
                loss.train();
            }
            _stopwatch.Start();
            try
            {
                for (; _epoch < _options.Epochs; _epoch++, _batchInEpoch = 0)
                {
                    if (!TrainEpoch(liveLog, bar))
                    {
                        return false;
                    }
                }
                return true;
            }
            finally
            {
                _stopwatch.Stop();
                model.train(wasTraining);
                model.Precision = _precisionOutsideTraining;
            }
        }

        /// <summary>
        /// The rest of the current epoch (after the batches a resume skips), then its evaluation. False when cancelled.
        /// </summary>
        private bool TrainEpoch(TrainingLog? liveLog, IProgress<TrainingProgress>? bar)
        {
            var steps = _trainer.StepsPerEpoch(_epoch);
            var batches = _trainer.Objectives.Select(o => o.Loader.Batches(_epoch).Skip(_batchInEpoch).GetEnumerator()).ToList();
            try
            {
                while (_batchInEpoch < steps)
                {
                    if (Cancelled())
                    {
                        return false;
                    }
                    var entry = Step(batches);
                    AfterStep(entry, liveLog, bar);
                }
            }
            finally
            {
                batches.ForEach(b => b.Dispose());
            }
            if (_options.Evaluator is not null && _lastEvaluatedStep != GlobalStep)
            {
                Evaluate(liveLog);
            }
            return true;
        }

        /// <summary>Whether training is to stop before the next step; if so, a checkpoint of where it stopped is saved first when checkpointing.</summary>
        private bool Cancelled()
        {
            if (!_options.CancellationToken.IsCancellationRequested)
            {
                return false;
            }
            if (_options.CheckpointPath is not null && _lastCheckpointStep != GlobalStep)
            {
                SaveCheckpoint();
            }
            return true;
        }

        /// <summary>What follows a step: its log line, an evaluation and a checkpoint when due, and the progress report.</summary>
        private void AfterStep(TrainingLogEntry entry, TrainingLog? liveLog, IProgress<TrainingProgress>? bar)
        {
            liveLog?.Append(entry);
            double? score = null;
            if (_options.Evaluator is not null && _options.EvaluationSteps > 0 && GlobalStep % _options.EvaluationSteps == 0)
            {
                score = Evaluate(liveLog);
            }
            Report(entry, score, bar);
            if (_options.CheckpointPath is not null && GlobalStep % _options.CheckpointSaveSteps == 0)
            {
                SaveCheckpoint();
            }
        }

        /// <summary>
        /// The model (unless the best one is there already) and the log in <see cref="FitOptions.OutputPath"/>, then the
        /// callbacks' end of training.
        /// </summary>
        private void SaveOutputs(TrainingResult result)
        {
            if (_options.OutputPath is { } output)
            {
                // Without one finite evaluation no best model was saved: the final one is.
                if (_options.Evaluator is null || !_options.SaveBestModel || _bestScore is not { } bestSaved || double.IsNaN(bestSaved))
                {
                    _trainer.Model.Save(output, overwrite: _options.Overwrite);
                }
                Directory.CreateDirectory(output);
                TrainingLog.Write(Path.Combine(output, LogFileName), _log);
            }
            foreach (var callback in _options.Callbacks)
            {
                callback.OnTrainEnd(_options, result);
            }
        }

        /// <summary>Computed once, when a checkpoint is saved or resumed: a loader other than the tutorial's is read for it.</summary>
        private RunFingerprint Fingerprint => _fingerprint ??= RunFingerprint.Of(_trainer);

        private double Elapsed => _elapsedBefore + _stopwatch.Elapsed.TotalSeconds;

        private TrainingLogEntry Step(List<IEnumerator<IReadOnlyList<InputExample>>> batches)
        {
            var learningRate = _optimizer.Schedule.LearningRate;
            var loss = 0.0;
            for (var i = 0; i < batches.Count; i++)
            {
                if (!batches[i].MoveNext())
                {
                    throw new InvalidOperationException($"The loader of training objective {i} ran out of batches at batch {_batchInEpoch + 1} of epoch {_epoch + 1}.");
                }
                loss += _trainer._losses[i].ForwardBackward(batches[i].Current);
            }
            if (!double.IsFinite(loss))
            {
                _optimizer.ZeroGrad();
                throw new TrainingDivergedException(GlobalStep + 1, _epoch, "loss", loss, _lastCheckpoint);
            }
            double gradNorm;
            using (NewDisposeScope())
            {
                gradNorm = GradientClipping.ClipGradNorm(_parameters, _options.MaxGradNorm);
            }
            if (!double.IsFinite(gradNorm))
            {
                _optimizer.ZeroGrad();
                throw new TrainingDivergedException(GlobalStep + 1, _epoch, "gradient norm", gradNorm, _lastCheckpoint);
            }
            _optimizer.Step();
            GlobalStep++;
            _batchInEpoch++;
            var entry = new TrainingLogEntry { Step = GlobalStep, Epoch = _epoch, Loss = loss, LearningRate = learningRate, GradNorm = gradNorm, Elapsed = Elapsed };
            _log.Add(entry);
            return entry;
        }

        private double Evaluate(TrainingLog? liveLog)
        {
            // Scores are comparable across runs only at one precision: the model's own, outside training.
            var model = _trainer.Model;
            var trainingPrecision = model.Precision;
            model.Precision = _precisionOutsideTraining;
            EvaluationResult result;
            try
            {
                result = _options.Evaluator!.Evaluate(model);
            }
            finally
            {
                model.Precision = trainingPrecision;
            }
            _evaluations.Add(result);
            _lastEvaluatedStep = GlobalStep;
            var entry = result is SimilarityResult similarity
                ? new TrainingLogEntry { Step = GlobalStep, Epoch = _epoch, EvalSpearman = Finite(similarity.SpearmanCosine), EvalPearson = Finite(similarity.PearsonCosine), Elapsed = Elapsed }
                : new TrainingLogEntry { Step = GlobalStep, Epoch = _epoch, EvalMetrics = result.Metrics.Where(m => double.IsFinite(m.Value)).ToDictionary(), Elapsed = Elapsed };
            _log.Add(entry);
            liveLog?.Append(entry);
            // Nothing compares greater than NaN: an undefined score counts as the worst, or no later model would be saved.
            var score = result.PrimaryScore;
            var improved = double.IsFinite(score) && (_bestScore is not { } best || double.IsNaN(best) || score > best);
            if (!double.IsFinite(score))
            {
                Console.Error.WriteLine($"Step {GlobalStep}: {result.Name} {result.PrimaryMetric} is {score} (constant or non-finite similarities); counted as the worst score, the saved best model is kept.");
            }
            if (improved && _options.SaveBestModel && _options.OutputPath is { } output)
            {
                _trainer.Model.Save(output, overwrite: _options.Overwrite);
            }
            if (improved)
            {
                _bestScore = score;
            }
            return score;
        }

        // JSON has no NaN: an undefined correlation is logged as absent (and reported on standard error).
        private static double? Finite(double value) => double.IsFinite(value) ? value : null;

        private void Report(TrainingLogEntry entry, double? score, IProgress<TrainingProgress>? bar)
        {
            if (bar is null && _options.Progress is null)
            {
                return;
            }
            var seconds = _stopwatch.Elapsed.TotalSeconds;
            var speed = seconds > 0 ? (GlobalStep - _stepsBefore) / seconds : 0;
            TimeSpan? remaining = speed > 0 ? TimeSpan.FromSeconds((TotalSteps - GlobalStep) / speed) : null;
            var progress = new TrainingProgress(_epoch, _options.Epochs, GlobalStep, TotalSteps, entry.Loss!.Value, entry.LearningRate!.Value,
                speed, TimeSpan.FromSeconds(Elapsed), remaining, score);
            bar?.Report(progress);
            _options.Progress?.Report(progress);
        }

        private void SaveCheckpoint()
        {
            var state = new TrainerState
            {
                GlobalStep = GlobalStep,
                Epoch = _epoch,
                BatchInEpoch = _batchInEpoch,
                TotalSteps = TotalSteps,
                WarmupSteps = _trainer.WarmupSteps,
                Seed = _options.Seed,
                ElapsedSeconds = Elapsed,
                BestScore = _bestScore,
                Losses = [.. _trainer._losses.Select(l => l.GetType().Name)],
                Run = Fingerprint,
                LastEvaluatedStep = _lastEvaluatedStep >= 0 ? _lastEvaluatedStep : null,
                LogHistory = [.. _log],
            };
            _lastCheckpoint = _optimizer.Save(_options.CheckpointPath!, _trainer.Model, _trainer._losses, state, _options.CheckpointSaveTotalLimit);
            _lastCheckpointStep = GlobalStep;
        }

        private TrainingResult Result(bool completed) =>
            new(completed, GlobalStep, TotalSteps, [.. _log], [.. _evaluations], _lastCheckpoint, TimeSpan.FromSeconds(Elapsed));
    }
}
