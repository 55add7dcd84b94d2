using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Models;

namespace NotebookSupport.Training;

/// <summary><c>model.Fit(...)</c>, sentence-transformers' training entry point.</summary>
public static class SentenceTransformerFitExtensions
{
    /// <summary>
    /// Trains <paramref name="model"/> on one or more (loader, loss) objectives, as sentence-transformers'
    /// <c>model.fit(train_objectives=...)</c> does. Every setting is a property of <paramref name="options"/>, whose
    /// defaults are the tutorial's; without options, one epoch with 10% warm-up and a progress bar.
    /// </summary>
    /// <param name="model">The model to train; each loss must have been created for it.</param>
    /// <param name="trainObjectives">(loader, loss) pairs: a <see cref="NoDuplicatesDataLoader"/> or any other
    /// <see cref="IDataLoader"/>, and the loss its batches are trained with.</param>
    /// <param name="options">Epochs, warm-up, learning rate, output folder, evaluation, checkpoints and the rest.</param>
    /// <example>
    /// <code>
    /// var loader = new NoDuplicatesDataLoader(examples, batchSize: 32);
    /// var loss = new MultipleNegativesRankingLoss(model);
    /// var warmup = (int)(0.1 * loader.Count);
    /// model.Fit([(loader, loss)], new FitOptions { Epochs = 1, WarmupSteps = warmup, OutputPath = "mnr", ShowProgressBar = true });
    /// </code>
    /// </example>
    public static TrainingResult Fit(
        this SentenceTransformer model,
        IReadOnlyList<(IDataLoader Loader, SentenceTransformerLoss Loss)> trainObjectives,
        FitOptions? options = null) =>
        new Trainer(model, trainObjectives, options).Train();
}
