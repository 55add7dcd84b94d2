using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Training;

namespace NotebookSupport.Tests.Training;

[Collection(RunsAlone.Name)]
public sealed class UndefinedEvaluationScoreTests
{
    [Fact]
    public void NanSpearmanIsTheWorstScoreAndTheModelIsStillSaved() => SingleThreaded.Run(() =>
    {
        // Constant gold scores have no ranking: Spearman is 0/0 = NaN at every evaluation.
        var pairs = SnliPairs.Get(16);
        var evaluator = new EmbeddingSimilarityEvaluator(
            ["A man is playing a guitar.", "Two dogs run.", "A woman eats."], ["A man plays.", "Dogs are running.", "Food."], [2.5, 2.5, 2.5], "flat");
        using var temp = new TrainingTempFolder();
        var output = temp.Combine("model");
        var model = TestModels.Tiny(seed: 2, maxSeqLength: 16);

        var result = model.Fit([(new NoDuplicatesDataLoader(pairs, batchSize: 8, seed: 1), new MultipleNegativesRankingLoss(model))], new FitOptions
        {
            Epochs = 1,
            ShowProgressBar = false,
            OutputPath = output,
            Evaluator = evaluator,
            EvaluationSteps = 1,
            SaveBestModel = true,
        });

        Assert.True(result.Completed);
        Assert.Equal(2, result.Evaluations.Count);
        Assert.All(result.Evaluations, e => Assert.True(double.IsNaN(e.PrimaryScore)));
        // JSON has no NaN: the evaluations are logged without a Spearman, and the log still reads back.
        var log = TrainingLog.Read(Path.Combine(output, Trainer.LogFileName));
        Assert.Equal(2, log.Count(e => e.Loss is null));
        Assert.All(log, e => Assert.Null(e.EvalSpearman));
        // No evaluation was ever "best", so the final model is the one saved.
        string[] sentences = ["A man is playing a guitar."];
        var saved = SentenceTransformer.Load(output, new ModelLoadOptions { Log = _ => { } });
        Assert.All(model.Encode(sentences)[0].Zip(saved.Encode(sentences)[0]), p => Assert.Equal(p.First, p.Second, 1e-5f));
        return 0;
    });
}
