using System.Diagnostics;
using NotebookSupport.Cli.Commands;
using Spectre.Console;
using TorchSharp;

namespace NotebookSupport.Cli.Reproduction;

/// <summary>
/// The tutorial end to end, in the video's order: NLI pairs, STSb before training, one epoch of MNR loss with the
/// no-duplicates loader, STSb after, the heatmap, and <c>report.md</c> in the run folder.
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
        torch.manual_seed(settings.Seed);

        var examples = Phase("prepare data", PreparePairs);
        var model = Phase("load model", LoadModel);
        var evaluator = EmbeddingSimilarityEvaluator.FromStsFile(settings.StsFile ?? RepositoryData.Path("stsb", "sts-test.csv"));
        _report.Before = Phase("evaluate before training", () => Evaluate(model, evaluator));
        output.WriteLine($"before training: {_report.Before}");

        var loader = new NoDuplicatesDataLoader(examples, settings.BatchSize, settings.Seed,
            settings.GroupByLength ? LengthGroupedExampleOrder.For(model) : null);
        var (estimate, gflops, paddedLength) = TrainingTimeEstimate.Estimate(model, loader, settings.Precision);
        output.WriteLine($"estimated training time: {estimate:hh\\:mm\\:ss} per epoch ({gflops:F0} GFLOP/s {CommandOptions.Name(settings.Precision)} matmul measured now, " +
                         $"~{paddedLength:F0} padded tokens per text)");
        _report.Estimate = estimate;
        var modelFolder = Path.Combine(runFolder, ModelFolderName);
        var result = Phase("train", () => Train(model, loader, modelFolder, runFolder));
        _report.Training = result;
        _report.After = Phase("evaluate after training", () => Evaluate(model, evaluator));
        output.WriteLine($"after training: {_report.After}");

        Phase("heatmap", () => DrawHeatmap(model, runFolder));
        var reportPath = Path.Combine(runFolder, "report.md");
        File.WriteAllText(reportPath, _report.ToMarkdown());
        return reportPath;
    }

    /// <summary>The files a run writes into its folder, besides the model folder.</summary>
    private static readonly string[] _artifacts = ["report.md", Trainer.LogFileName, LossCurve.FileName, "heatmap.png", "heatmap.svg"];

    /// <summary>An earlier run's artifacts are refused before anything runs, naming them; other files are never touched.</summary>
    private static void RefuseToReplaceArtifacts(string runFolder)
    {
        var existing = _artifacts.Where(f => File.Exists(Path.Combine(runFolder, f)))
            .Concat(SentenceTransformerWriter.ExistingModelFiles(Path.Combine(runFolder, ModelFolderName)).Select(f => $"{ModelFolderName}/{f}"))
            .ToList();
        if (existing.Count > 0)
        {
            throw new IOException(
                $"{runFolder}: holds the artifacts of an earlier run, which this run would replace: {string.Join(", ", existing)}. " +
                "Choose another --output folder, or pass --overwrite to replace them (other files there are never touched).");
        }
    }

    private const string ModelFolderName = "model";

    private IReadOnlyList<InputExample> PreparePairs()
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
        return pairs.Examples;
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

    private SentenceTransformer LoadModel()
    {
        var model = SentenceTransformer.Load(settings.Model, CommandOptions.LoadOptions(error));
        if (settings.MaxSeqLength is { } max)
        {
            model.MaxSeqLength = max;
        }

        if (settings.Device == "cuda")
        {
            if (!torch.cuda.is_available())
            {
                throw new ArgumentException("--device cuda: CUDA is not available to TorchSharp here; reference a CUDA build of TorchSharp (see README) on a machine with an NVIDIA GPU.");
            }

            model.to(torch.CUDA);
        }
        var config = model.Transformer.Config;
        output.WriteLine($"model: {settings.Model}, {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, pooling {model.Pooling.Mode}, max_seq_length {model.MaxSeqLength}");
        _report.ModelDescription = $"{config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {model.Pooling.Mode} pooling, max_seq_length {model.MaxSeqLength}";
        return model;
    }

    private SimilarityResult Evaluate(SentenceTransformer model, EmbeddingSimilarityEvaluator evaluator)
    {
        if (!settings.ShowProgress)
        {
            return evaluator.Evaluate(model);
        }

        return AnsiConsole.Progress().AutoClear(true).Start(context =>
        {
            var task = context.AddTask("encoding STSb sentences");
            return evaluator.Evaluate(model, new Progress(task));
        });
    }

    private TrainingResult Train(SentenceTransformer model, NoDuplicatesDataLoader loader, string modelFolder, string runFolder)
    {
        var loss = new MultipleNegativesRankingLoss(model, settings.Scale);
        var trainer = new Trainer(model, [(loader, loss)], new FitOptions
        {
            Epochs = settings.Epochs,
            WarmupRatio = settings.WarmupRatio,
            LearningRate = settings.LearningRate,
            OutputPath = modelFolder,
            ShowProgressBar = settings.ShowProgress,
            Seed = settings.Seed,
            GroupByLength = settings.GroupByLength,
            Precision = settings.Precision,
            LogPath = Path.Combine(runFolder, Trainer.LogFileName),
            Overwrite = settings.Overwrite,
            Callbacks = [new LossCurveCallback()],
        });
        output.WriteLine($"training: {loader.Examples.Count:N0} pairs, {loader.Count:N0} batches of {settings.BatchSize}, {trainer.TotalSteps:N0} steps " +
                         $"({trainer.WarmupSteps:N0} warm-up), lr {settings.LearningRate:G3}, scale {settings.Scale}");
        output.WriteLine(CommandOptions.SpeedOptionsLine(settings.GroupByLength, settings.Precision, trainer.Optimizer));
        _report.Steps = trainer.TotalSteps;
        _report.WarmupSteps = trainer.WarmupSteps;
        _report.Optimizer = trainer.Optimizer;
        var result = trainer.Train();
        LossCurve.Save(result.Losses, Path.Combine(runFolder, LossCurve.FileName), $"MNR training loss ({settings.Preset} preset)");
        var losses = result.Losses;
        if (losses.Count > 0)
        {
            int window = Math.Max(1, Math.Min(20, losses.Count / 5));
            _report.FirstLoss = losses.Take(window).Average(l => l.Loss);
            _report.LastLoss = losses.TakeLast(window).Average(l => l.Loss);
            output.WriteLine($"loss: first {window} steps {_report.FirstLoss:F4}, last {window} steps {_report.LastLoss:F4}");
        }
        return result;
    }

    private void DrawHeatmap(SentenceTransformer model, string runFolder)
    {
        var sentences = File.ReadAllLines(RepositoryData.Path("heatmap", "sentences.txt")).Where(l => l.Trim().Length > 0).ToList();
        var embeddings = model.Encode(sentences, normalizeEmbeddings: true);
        var figure = Heatmap.Create(Similarity.CosSim(embeddings, embeddings), sentences,
            new HeatmapOptions { Title = "Cosine similarity after MNR training" });
        figure.Save(Path.Combine(runFolder, "heatmap.png"));
        figure.Save(Path.Combine(runFolder, "heatmap.svg"));
    }

    private T Phase<T>(string name, Func<T> work)
    {
        output.WriteLine($"== {name}");
        var stopwatch = Stopwatch.StartNew();
        var result = work();
        _report.Timings.Add((name, stopwatch.Elapsed));
        return result;
    }

    private void Phase(string name, Action work) => Phase(name, () => { work(); return 0; });

    private sealed class Progress(ProgressTask task) : IProgress<EncodeProgress>
    {
        public void Report(EncodeProgress value)
        {
            task.MaxValue = Math.Max(1, value.Total);
            task.Value = value.Done;
        }
    }
}
