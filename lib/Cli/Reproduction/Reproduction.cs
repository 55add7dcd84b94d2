using System.Diagnostics;
using NotebookSupport.Cli.Commands;
using TorchSharp;

namespace NotebookSupport.Cli.Reproduction;

/// <summary>
/// The tutorial end to end, in the video's order, for every experiment of the preset: NLI pairs, STSb dev and test
/// before training, epochs of MNR loss with the no-duplicates loader (dev and test scored after each), the heatmap
/// before and after, and one <c>report.md</c> in the run folder.
/// </summary>
internal sealed class Reproduction(ReproductionSettings settings, TextWriter output, TextWriter error)
{
    private readonly ReproductionReport _report = new(settings);

    /// <summary>Runs every phase; returns the path of <c>report.md</c>.</summary>
    public string Run()
    {
        var runFolder = Path.GetFullPath(settings.Output);
        if (!settings.Overwrite)
        {
            RefuseToReplaceArtifacts(runFolder);
        }
        Directory.CreateDirectory(runFolder);
        output.WriteLine($"run folder: {runFolder}");

        var examples = Phase("prepare data", PrepareExamples);
        var dev = EmbeddingSimilarityEvaluator.FromStsFile(settings.StsDevFile ?? RepositoryData.Path("stsb", "sts-dev.csv"));
        var test = EmbeddingSimilarityEvaluator.FromStsFile(settings.StsFile ?? RepositoryData.Path("stsb", "sts-test.csv"));

        // Every model is loaded and every epoch estimated before the first step, so the printed estimate covers the whole run.
        var runs = Phase("load models", () => settings.Experiments.Select(e => Prepare(e, examples, dev, test, runFolder)).ToList());
        var total = TimeSpan.FromTicks(runs.Sum(r => r.Outcome.Estimate.Ticks));
        output.WriteLine($"estimated training time: {total:hh\\:mm\\:ss} for {runs.Count} run(s) ({string.Join(", ", runs.Select(r => $"{r.Outcome.Experiment.Id} {r.Outcome.Estimate:hh\\:mm\\:ss}"))})");
        _report.Estimate = total;

        foreach (var run in runs)
        {
            var stopwatch = Stopwatch.StartNew();
            Phase($"{run.Outcome.Experiment.Id}: train and evaluate", () => Execute(run, dev, test, runFolder));
            run.Outcome.Elapsed = stopwatch.Elapsed;
            run.Model.Dispose();
        }
        var reportPath = Path.Combine(runFolder, ReportFileName);
        File.WriteAllText(reportPath, _report.ToMarkdown());
        return reportPath;
    }

    private const string ReportFileName = "report.md";
    private const string ModelFolderName = "model";
    private const string HeatmapName = "heatmap";

    /// <summary>A run's own files, in its sub-folder besides the model folder.</summary>
    private static readonly string[] _runArtifacts = [Trainer.LogFileName, LossCurve.FileName, "loss_curve.svg"];

    /// <summary>An earlier run's artifacts are refused before anything runs, naming them; other files are never touched.</summary>
    private void RefuseToReplaceArtifacts(string runFolder)
    {
        var existing = new[] { ReportFileName, $"{HeatmapName}.png", $"{HeatmapName}.svg" }.Where(f => File.Exists(Path.Combine(runFolder, f))).ToList();
        foreach (var id in settings.Experiments.Select(e => e.Id))
        {
            existing.AddRange(_runArtifacts.Where(f => File.Exists(Path.Combine(runFolder, id, f))).Select(f => $"{id}/{f}"));
            existing.AddRange(SentenceTransformerWriter.ExistingModelFiles(Path.Combine(runFolder, id, ModelFolderName)).Select(f => $"{id}/{ModelFolderName}/{f}"));
        }
        if (existing.Count > 0)
        {
            throw new IOException(
                $"{runFolder}: holds the artifacts of an earlier run, which this run would replace: {string.Join(", ", existing)}. " +
                "Choose another --output folder, or pass --overwrite to replace them (other files there are never touched).");
        }
    }

    /// <summary>The NLI rows as pairs, and as triplets for the runs that train on hard negatives.</summary>
    private sealed record NliExamplesForRuns(IReadOnlyList<InputExample> Pairs, IReadOnlyList<InputExample> Triplets);

    private NliExamplesForRuns PrepareExamples()
    {
        var datasets = settings.HubData ? LoadHubDatasets() : LoadFiles();
        foreach (var dataset in datasets)
        {
            var counts = dataset.CountLabels();
            output.WriteLine($"{dataset.Name}: {dataset.RowCount:N0} rows ({counts})");
            _report.Sources.Add((dataset.Name, dataset.RowCount, counts.ToString(), dataset.Skipped));
        }
        var all = NliTrainingData.Combine([.. datasets]);
        var labelled = all.Filter(row => row.Label != NliLabel.None);
        _report.DroppedNoLabel = all.RowCount - labelled.RowCount;
        var pairs = labelled.ToPairs();
        output.WriteLine($"pairs: {pairs.Examples.Count:N0} (anchor, positive) from entailment rows; {_report.DroppedNoLabel:N0} rows without a gold label dropped");
        _report.Pairs = pairs.Examples.Count;
        _report.PairDrops = pairs.Dropped;
        IReadOnlyList<InputExample> triplets = [];
        if (settings.Experiments.Any(e => e.HardNegatives))
        {
            triplets = labelled.ToTriplets().Examples;
            output.WriteLine($"triplets: {triplets.Count:N0} (anchor, entailment, contradiction) for the runs with hard negatives");
            _report.Triplets = triplets.Count;
        }
        return new NliExamplesForRuns(pairs.Examples, triplets);
    }

    private List<NliDataset> LoadFiles()
    {
        var datasets = new List<NliDataset>();
        foreach (var file in settings.DataFiles)
        {
            if (!File.Exists(file))
            {
                throw new FileNotFoundException($"--data: file '{file}' does not exist.", file);
            }

            datasets.Add(NliLoader.Load(file));
        }
        return datasets;
    }

    // SNLI and MultiNLI train, as the notebooks' full experiment loads them; PreparePairs combines them as the video does.
    private static List<NliDataset> LoadHubDatasets()
    {
        var (snli, mnli) = NliTrainingData.LoadSources(fullExperiment: true);
        return [snli, mnli];
    }

    /// <summary>A run ready to train: its model, loader, trainer, test scoring and outcome record (with the time estimate).</summary>
    private sealed record PreparedRun(SentenceTransformer Model, NoDuplicatesDataLoader Loader, Trainer Trainer, TestAfterEachEpoch TestAfterEpoch, ExperimentOutcome Outcome);

    private PreparedRun Prepare(ReproductionExperiment experiment, NliExamplesForRuns nli, EmbeddingSimilarityEvaluator dev,
        EmbeddingSimilarityEvaluator test, string runFolder)
    {
        var model = LoadModel(experiment);
        var outcome = new ExperimentOutcome(experiment);
        var config = model.Transformer.Config;
        outcome.ModelDescription = $"{config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {model.Pooling.Mode} pooling, max_seq_length {model.MaxSeqLength}";
        output.WriteLine($"{experiment.Id}: model {experiment.Model}, {outcome.ModelDescription}");
        var order = settings.GroupByLength ? LengthGroupedExampleOrder.For(model) : null;
        var loader = new NoDuplicatesDataLoader(experiment.HardNegatives ? nli.Triplets : nli.Pairs, experiment.BatchSize, settings.Seed, order);
        List<(IDataLoader, SentenceTransformerLoss)> objectives = [(loader, new MultipleNegativesRankingLoss(model, experiment.Scale))];
        if (experiment.StsTrainObjective)
        {
            var stsTrain = StsBenchmark.LoadInputExamples(RepositoryData.Path("stsb", "sts-train.csv"));
            objectives.Add((new NoDuplicatesDataLoader(stsTrain, experiment.BatchSize, settings.Seed, order), new CosineSimilarityLoss(model)));
            outcome.StsTrainPairs = stsTrain.Count;
        }
        var folder = Path.Combine(runFolder, experiment.Id);
        // The test set is scored where Fit scores the dev set, after each epoch's last step, through Fit's progress hook.
        var testAfterEpoch = new TestAfterEachEpoch(model, test);
        var trainer = new Trainer(model, objectives, new FitOptions
        {
            Epochs = experiment.Epochs,
            WarmupRatio = experiment.WarmupRatio,
            LearningRate = experiment.LearningRate,
            OutputPath = Path.Combine(folder, ModelFolderName),
            ShowProgressBar = settings.ShowProgress,
            Seed = settings.Seed,
            GroupByLength = settings.GroupByLength,
            Precision = settings.Precision,
            LogPath = Path.Combine(folder, Trainer.LogFileName),
            Overwrite = settings.Overwrite,
            Evaluator = dev,
            // The saved model is the one the report's last scores and heatmap describe.
            SaveBestModel = false,
            Progress = testAfterEpoch,
        });
        testAfterEpoch.EpochEnds = [.. Enumerable.Range(0, experiment.Epochs).Select(e => Enumerable.Range(0, e + 1).Sum(trainer.StepsPerEpoch))];
        var estimate = TrainingTimeEstimate.Measure(trainer);
        outcome.Estimate = estimate.Total;
        output.WriteLine($"{experiment.Id}: estimated training time {estimate}");
        _report.Experiments.Add(outcome);
        return new PreparedRun(model, loader, trainer, testAfterEpoch, outcome);
    }

    private SentenceTransformer LoadModel(ReproductionExperiment experiment)
    {
        // Seeded, so a random model's initial weights, and with them every number of the run, are the same each time.
        torch.manual_seed(settings.Seed);
        var model = ModelSpec.Load(experiment.Model, experiment.MaxSeqLength, error);
        if (settings.Device == "cuda")
        {
            if (!torch.cuda.is_available())
            {
                throw new ArgumentException("--device cuda: CUDA is not available to TorchSharp here; reference a CUDA build of TorchSharp (see README) on a machine with an NVIDIA GPU.");
            }

            model.to(torch.CUDA);
        }
        return model;
    }

    private void Execute(PreparedRun run, EmbeddingSimilarityEvaluator dev, EmbeddingSimilarityEvaluator test, string runFolder)
    {
        var (model, loader, trainer, testAfterEpoch, outcome) = run;
        var experiment = outcome.Experiment;
        var folder = Path.Combine(runFolder, experiment.Id);
        Directory.CreateDirectory(folder);
        output.WriteLine($"== {experiment.Title}");

        var before = new EpochScores(0, Evaluate(model, dev), Evaluate(model, test), null);
        outcome.Scores.Add(before);
        output.WriteLine($"{experiment.Id} before training: {before.Dev}; {before.Test}");
        var sentences = HeatmapSentences();
        var similaritiesBefore = experiment.Heatmap ? Similarities(model, sentences) : null;

        output.WriteLine($"{experiment.Id} training: {loader.Examples.Count:N0} {(experiment.HardNegatives ? "triplets" : "pairs")}" +
                         (outcome.StsTrainPairs > 0 ? $" and {outcome.StsTrainPairs:N0} scored STSb train pairs, a step of each in turn" : "") +
                         $", {loader.Count:N0} batches of {experiment.BatchSize}, {trainer.TotalSteps:N0} steps " +
                         $"({trainer.WarmupSteps:N0} warm-up), {experiment.Epochs} epoch(s), lr {experiment.LearningRate:0.##e+0}, scale {experiment.Scale}");
        CommandOptions.WriteSpeedOptions(output, error, settings.GroupByLength, settings.Precision, trainer.Optimizer);
        outcome.Steps = trainer.TotalSteps;
        outcome.WarmupSteps = trainer.WarmupSteps;
        _report.Optimizer = trainer.Optimizer;

        var result = trainer.Train();
        outcome.Training = result;
        for (var epoch = 0; epoch < experiment.Epochs; epoch++)
        {
            var losses = result.Log.Where(e => e.Epoch == epoch && e.Loss is not null).Select(e => e.Loss!.Value).ToList();
            var scores = new EpochScores(epoch + 1, (SimilarityResult)result.Evaluations[epoch], testAfterEpoch.Results[epoch], losses.Count > 0 ? losses.Average() : null);
            outcome.Scores.Add(scores);
            output.WriteLine($"{experiment.Id} after epoch {epoch + 1}: {scores.Dev}; {scores.Test}; mean loss {scores.MeanLoss:F4}");
        }

        if (result.Losses.Count > 0)
        {
            // Fit logs one loss per step: with two objectives, the sum of both losses of that step.
            var title = experiment.StsTrainObjective
                ? $"Training loss (MNR + CosineSimilarityLoss): {experiment.Title}"
                : $"MNR training loss: {experiment.Title}";
            LossCurve.Save(result.Losses, Path.Combine(folder, LossCurve.FileName), title);
            LossCurve.Save(result.Losses, Path.Combine(folder, "loss_curve.svg"), title);
        }

        if (similaritiesBefore is not null)
        {
            var similaritiesAfter = Similarities(model, sentences);
            var words = sentences.SelectMany(ReproductionReport.Words).ToHashSet();
            var counts = words.ToDictionary(w => w, w => loader.Examples.SelectMany(e => e.Texts).Count(t => ReproductionReport.Words(t).Contains(w)));
            outcome.Heatmap = new HeatmapOutcome(sentences, similaritiesBefore, similaritiesAfter, counts);
            DrawHeatmap(outcome, runFolder);
        }
    }

    /// <summary>Scores the test set whenever Fit reports the last step of an epoch (Fit scores the dev set right after).</summary>
    private sealed class TestAfterEachEpoch(SentenceTransformer model, EmbeddingSimilarityEvaluator test) : IProgress<TrainingProgress>
    {
        public IReadOnlyList<int> EpochEnds { get; set; } = [];
        public List<SimilarityResult> Results { get; } = [];

        public void Report(TrainingProgress value)
        {
            if (EpochEnds.Contains(value.Step))
            {
                Results.Add(test.Evaluate(model));
            }
        }
    }

    private static List<string> HeatmapSentences() =>
        [.. File.ReadAllLines(RepositoryData.Path("heatmap", "sentences.txt")).Where(l => l.Trim().Length > 0)];

    private static float[][] Similarities(SentenceTransformer model, IReadOnlyList<string> sentences)
    {
        var embeddings = model.Encode(sentences, normalizeEmbeddings: true);
        return Similarity.CosSim(embeddings, embeddings);
    }

    private void DrawHeatmap(ExperimentOutcome outcome, string runFolder)
    {
        var heatmap = outcome.Heatmap!;
        var (before, after) = (outcome.Scores[0], outcome.Scores[^1]);
        // One colour scale for both panels, so "lighting up" means a higher cosine, not a rescaled one.
        var minimum = heatmap.Before.Concat(heatmap.After).SelectMany(row => row).Min();
        HeatmapOptions Panel(string title) => new() { Title = title, Minimum = minimum, Maximum = 1 };
        var figure = Figure.SideBySide(
            Heatmap.Create(heatmap.Before, heatmap.Sentences, Panel($"{outcome.Experiment.Model} before training (STSb dev {before.Dev.SpearmanCosine:F1})")),
            Heatmap.Create(heatmap.After, heatmap.Sentences, Panel($"After {outcome.Experiment.Epochs} epoch(s) of MNR (STSb dev {after.Dev.SpearmanCosine:F1})")));
        figure.Save(Path.Combine(runFolder, $"{HeatmapName}.png"));
        figure.Save(Path.Combine(runFolder, $"{HeatmapName}.svg"));
    }

    private SimilarityResult Evaluate(SentenceTransformer model, EmbeddingSimilarityEvaluator evaluator) =>
        EncodeProgressBar.Run(settings.ShowProgress, $"encoding {evaluator.Name} sentences", progress => evaluator.Evaluate(model, progress));

    private T Phase<T>(string name, Func<T> work)
    {
        output.WriteLine($"== {name}");
        var stopwatch = Stopwatch.StartNew();
        var result = work();
        _report.Timings.Add((name, stopwatch.Elapsed));
        return result;
    }

    private void Phase(string name, Action work) => Phase(name, () => { work(); return 0; });
}
