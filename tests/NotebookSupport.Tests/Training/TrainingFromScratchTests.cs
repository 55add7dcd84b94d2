using System.Diagnostics;
using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tests.Data;
using NotebookSupport.Training;
using TorchSharp;

namespace NotebookSupport.Tests.Training;

[Collection(RunsAlone.Name)]
public sealed class TrainingFromScratchTests
{
    [Fact]
    public void MnrOnSnliEntailmentPairsRaisesStsbDevSpearmanByTenPoints() => SingleThreaded.Run(() =>
    {
        // A one-layer BERT of width 64 from random initialisation (mean pooling, bundled vocabulary), 200 steps of MNR
        // with batch 32 on the bundled SNLI entailment pairs: about half a minute on one core.
        torch.manual_seed(1);
        var config = BertMiniatures.Config("bert-tiny") with { HiddenSize = 64, NumHiddenLayers = 1, NumAttentionHeads = 1, IntermediateSize = 256 };
        var model = BertMiniatures.CreateRandom(config, maxSeqLength: 24);
        var evaluator = EmbeddingSimilarityEvaluator.FromStsFile(RepoData.Path("stsb", "sts-dev.csv"), batchSize: 128);
        var before = evaluator.Evaluate(model);

        using var temp = new TrainingTempFolder();
        var loader = new NoDuplicatesDataLoader(SnliPairs.Get(), batchSize: 32);
        Assert.Equal(6697, loader.Examples.Count);
        var stopwatch = Stopwatch.StartNew();
        model.Fit([(loader, new MultipleNegativesRankingLoss(model))], new FitOptions
        {
            StepsPerEpoch = 200,
            LearningRate = 2e-3,
            ShowProgressBar = false,
            LogPath = temp.Combine("log.jsonl"),
        });
        var trainingTime = stopwatch.Elapsed;
        var after = evaluator.Evaluate(model);

        Assert.True(after.SpearmanCosine - before.SpearmanCosine >= 10,
            $"STSb dev Spearman went from {before.SpearmanCosine:F2} to {after.SpearmanCosine:F2} in {trainingTime.TotalSeconds:F0} s; expected a gain of at least 10 points.");
        var losses = TrainingLog.Read(temp.Combine("log.jsonl")).Where(e => e.Loss is not null).Select(e => e.Loss!.Value).ToList();
        Assert.Equal(200, losses.Count);
        Assert.True(losses.TakeLast(20).Average() < losses.Take(20).Average() - 1.0,
            $"the logged loss should fall: first 20 steps {losses.Take(20).Average():F3}, last 20 {losses.TakeLast(20).Average():F3}");
        return 0;
    });
}
