using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Losses;
using NotebookSupport.Models;

namespace NotebookSupport.Training;

/// <summary><c>model.Fit(...)</c>, sentence-transformers' training entry point.</summary>
public static class SentenceTransformerFitExtensions
{
    /// <summary>
    /// Trains <paramref name="model"/> on one or more (loader, loss) objectives, as sentence-transformers'
    /// <c>model.fit</c> does; the defaults are the tutorial's. See <see cref="FitOptions"/> for every parameter.
    /// </summary>
    /// <example>
    /// <code>
    /// var loader = new NoDuplicatesDataLoader(examples, batchSize: 32);
    /// var loss = new MultipleNegativesRankingLoss(model);
    /// var warmup = (int)(0.1 * loader.Count);
    /// model.Fit(trainObjectives: [(loader, loss)], epochs: 1, warmupSteps: warmup, outputPath: "mnr", showProgressBar: true);
    /// </code>
    /// </example>
    public static TrainingResult Fit(
        this SentenceTransformer model,
        IReadOnlyList<(NoDuplicatesDataLoader Loader, SentenceTransformerLoss Loss)> trainObjectives,
        EmbeddingSimilarityEvaluator? evaluator = null,
        int epochs = 1,
        int? stepsPerEpoch = null,
        int? warmupSteps = null,
        double learningRate = 2e-5,
        double weightDecay = 0.01,
        int evaluationSteps = 0,
        string? outputPath = null,
        bool saveBestModel = true,
        double maxGradNorm = 1.0,
        bool showProgressBar = true,
        string? checkpointPath = null,
        int checkpointSaveSteps = 500,
        int checkpointSaveTotalLimit = 0,
        string? resumeFromCheckpoint = null,
        int seed = 42,
        bool groupByLength = false,
        Precision? precision = null,
        OptimizerKind optimizer = OptimizerKind.Auto,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default,
        bool overwrite = false) =>
        model.Fit(trainObjectives, new FitOptions
        {
            Evaluator = evaluator,
            Epochs = epochs,
            StepsPerEpoch = stepsPerEpoch,
            WarmupSteps = warmupSteps,
            LearningRate = learningRate,
            WeightDecay = weightDecay,
            EvaluationSteps = evaluationSteps,
            OutputPath = outputPath,
            SaveBestModel = saveBestModel,
            MaxGradNorm = maxGradNorm,
            ShowProgressBar = showProgressBar,
            CheckpointPath = checkpointPath,
            CheckpointSaveSteps = checkpointSaveSteps,
            CheckpointSaveTotalLimit = checkpointSaveTotalLimit,
            ResumeFromCheckpoint = resumeFromCheckpoint,
            Seed = seed,
            GroupByLength = groupByLength,
            Precision = precision,
            Optimizer = optimizer,
            Progress = progress,
            CancellationToken = cancellationToken,
            Overwrite = overwrite,
        });

    /// <summary>Trains <paramref name="model"/> with all settings in one <see cref="FitOptions"/> record.</summary>
    public static TrainingResult Fit(
        this SentenceTransformer model,
        IReadOnlyList<(NoDuplicatesDataLoader Loader, SentenceTransformerLoss Loss)> trainObjectives,
        FitOptions options) =>
        new Trainer(model, trainObjectives, options).Train();
}
