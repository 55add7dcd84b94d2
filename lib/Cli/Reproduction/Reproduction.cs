using System.Diagnostics;
using NotebookSupport.Cli.Commands;
using NotebookSupport.Data;
using NotebookSupport.Data.Nli;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Plotting;
using NotebookSupport.Training;
using NotebookSupport.Util;
using Spectre.Console;
using TorchSharp;

namespace NotebookSupport.Cli.Reproduction;

/// <summary>
/// The tutorial end to end, in the video's order: NLI pairs, STSb before training, one epoch of MNR loss with the
/// no-duplicates loader, STSb after, the heatmap, and <c>report.md</c> in the run folder.
/// </summary>
internal sealed class Reproduction(ReproductionSettings settings, TextWriter output, TextWriter error)
{
    private readonly ReproductionReport report = new(settings);

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
        report.Before = Phase("evaluate before training", () => Evaluate(model, evaluator));
        output.WriteLine($"before training: {report.Before}");

        var loader = new NoDuplicatesDataLoader(examples, settings.BatchSize, settings.Seed,
            settings.GroupByLength ? LengthGroupedExampleOrder.For(model) : null);
        var (estimate, gflops, paddedLength) = TrainingTimeEstimate.Estimate(model, loader, settings.Precision);
        output.WriteLine($"estimated training time: {estimate:hh\\:mm\\:ss} per epoch ({gflops:F0} GFLOP/s {CommandOptions.Name(settings.Precision)} matmul measured now, " +
                         $"~{paddedLength:F0} padded tokens per text)");
        report.Estimate = estimate;
        var modelFolder = Path.Combine(runFolder, ModelFolderName);
        var result = Phase("train", () => Train(model, loader, modelFolder, runFolder));
        report.Training = result;
        report.After = Phase("evaluate after training", () => Evaluate(model, evaluator));
        output.WriteLine($"after training: {report.After}");

        Phase("heatmap", () => DrawHeatmap(model, runFolder));
        var reportPath = Path.Combine(runFolder, "report.md");
        File.WriteAllText(reportPath, report.ToMarkdown());
        return reportPath;
    }

    /// <summary>The files a run writes into its folder, besides the model folder.</summary>
    private static readonly string[] Artifacts = ["report.md", Trainer.LogFileName, Trainer.LossCurveFileName, "heatmap.png", "heatmap.svg"];

    /// <summary>An earlier run's artifacts are refused before anything runs, naming them; other files are never touched.</summary>
    private static void RefuseToReplaceArtifacts(string runFolder)
    {
        var existing = Artifacts.Where(f => File.Exists(Path.Combine(runFolder, f)))
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
            report.Sources.Add((dataset.Name, dataset.RowCount, counts.ToString(), dataset.Skipped));
        }
        var all = NliTrainingData.Combine([.. datasets]);
        var labelled = all.Filter(row => row.Label != NliLabel.None);
        report.DroppedNoLabel = all.RowCount - labelled.RowCount;
        var pairs = labelled.ToPairs();
        output.WriteLine($"pairs: {pairs.Examples.Count:N0} (anchor, positive) from entailment rows; {report.DroppedNoLabel:N0} rows without a gold label dropped");
        report.Pairs = pairs.Examples.Count;
        report.PairDrops = pairs.Dropped;
        return pairs.Examples;
    }

    private List<NliDataset> LoadFiles()
    {
        var datasets = new List<NliDataset>();
        foreach (var file in settings.DataFiles)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"--data: file '{file}' does not exist.", file);
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
        var model = ModelLoader.Load(settings.Model, CommandOptions.LoadOptions(error));
        if (settings.MaxSeqLength is { } max) model.MaxSeqLength = max;
        if (settings.Device == "cuda")
        {
            if (!torch.cuda.is_available())
                throw new ArgumentException("--device cuda: CUDA is not available to TorchSharp here; reference a CUDA build of TorchSharp (see README) on a machine with an NVIDIA GPU.");
            model.to(torch.CUDA);
        }
        var config = model.Transformer.Config;
        output.WriteLine($"model: {settings.Model}, {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, pooling {model.Pooling.Mode}, max_seq_length {model.MaxSeqLength}");
        report.ModelDescription = $"{config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {model.Pooling.Mode} pooling, max_seq_length {model.MaxSeqLength}";
        return model;
    }

    private SimilarityResult Evaluate(SentenceTransformer model, EmbeddingSimilarityEvaluator evaluator)
    {
        if (!settings.ShowProgress) return evaluator.Evaluate(model);
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
        });
        output.WriteLine($"training: {loader.Examples.Count:N0} pairs, {loader.Count:N0} batches of {settings.BatchSize}, {trainer.TotalSteps:N0} steps " +
                         $"({trainer.WarmupSteps:N0} warm-up), lr {settings.LearningRate:G3}, scale {settings.Scale}");
        output.WriteLine(CommandOptions.SpeedOptionsLine(settings.GroupByLength, settings.Precision, trainer.Optimizer));
        report.Steps = trainer.TotalSteps;
        report.WarmupSteps = trainer.WarmupSteps;
        report.Optimizer = trainer.Optimizer;
        var result = trainer.Train();
        LossCurve.Save(result.Losses, Path.Combine(runFolder, Trainer.LossCurveFileName), $"MNR training loss ({settings.Preset} preset)");
        var losses = result.Losses;
        if (losses.Count > 0)
        {
            int window = Math.Max(1, Math.Min(20, losses.Count / 5));
            report.FirstLoss = losses.Take(window).Average(l => l.Loss);
            report.LastLoss = losses.TakeLast(window).Average(l => l.Loss);
            output.WriteLine($"loss: first {window} steps {report.FirstLoss:F4}, last {window} steps {report.LastLoss:F4}");
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
        report.Timings.Add((name, stopwatch.Elapsed));
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
