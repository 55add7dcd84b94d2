using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tests.Data;
using NotebookSupport.Training;

namespace NotebookSupport.Tests.Training;

/// <summary><c>Fit</c>'s output folder: SaveBestModel beside a user's files, and a second training into it.</summary>
[Collection(RunsAlone.Name)]
public sealed class FitOutputFolderTests
{
    [Fact]
    public void SaveBestModelKeepsUnrelatedFilesAndASecondTrainingNeedsOverwrite() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var output = temp.Combine("work");
        Directory.CreateDirectory(Path.Combine(output, "data"));
        var notes = "notes kept next to the model\n"u8.ToArray();
        var data = Enumerable.Range(0, 3000).Select(i => (byte)(i * 13)).ToArray();
        File.WriteAllBytes(Path.Combine(output, "notes.md"), notes);
        File.WriteAllBytes(Path.Combine(output, "data", "train.bin"), data);
        var sts = StsBenchmark.Load(RepoData.Path("stsb", "sts-dev.csv")).Take(40).ToList();
        var evaluator = new EmbeddingSimilarityEvaluator([.. sts.Select(p => p.Sentence1)], [.. sts.Select(p => p.Sentence2)], [.. sts.Select(p => p.Score)], "dev40");
        FitOptions Options() => new()
        {
            LearningRate = 1e-3,
            ShowProgressBar = false,
            OutputPath = output,
            Evaluator = evaluator,
            EvaluationSteps = 2,
            SaveBestModel = true,
        };
        var model = TestModels.Tiny(seed: 2, maxSeqLength: 16);
        var loader = new NoDuplicatesDataLoader(SnliPairs.Get(48), batchSize: 8, seed: 1);

        var result = model.Fit([(loader, new MultipleNegativesRankingLoss(model))], Options());

        Assert.True(result.Evaluations.Count >= 3);
        Assert.Equal(notes, File.ReadAllBytes(Path.Combine(output, "notes.md")));
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(output, "data", "train.bin")));
        using (var saved = SentenceTransformer.Load(output, new ModelLoadOptions { Log = _ => { } }))
        {
            Assert.Equal(result.Evaluations.Max(e => e.PrimaryScore), evaluator.Evaluate(saved).SpearmanCosine, 1e-4);
        }
        var weights = File.ReadAllBytes(Path.Combine(output, "model.safetensors"));

        var second = TestModels.Tiny(seed: 3, maxSeqLength: 16);
        var refused = Assert.Throws<IOException>(() => second.Fit([(loader, new MultipleNegativesRankingLoss(second))], Options()));
        Assert.Contains(Path.GetFullPath(output), refused.Message);
        Assert.Contains("model.safetensors", refused.Message);
        Assert.Contains(Trainer.LogFileName, refused.Message);
        Assert.DoesNotContain("notes.md", refused.Message);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(output, "model.safetensors")));

        second.Fit([(loader, new MultipleNegativesRankingLoss(second))], Options() with { Overwrite = true });
        Assert.NotEqual(weights, File.ReadAllBytes(Path.Combine(output, "model.safetensors")));
        Assert.Equal(notes, File.ReadAllBytes(Path.Combine(output, "notes.md")));
        Assert.Equal(data, File.ReadAllBytes(Path.Combine(output, "data", "train.bin")));
        return 0;
    });
}
