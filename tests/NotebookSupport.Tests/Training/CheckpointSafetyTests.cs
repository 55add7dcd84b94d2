using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Training;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Training;

/// <summary>Re-saving a checkpoint step, rotation, and the leftovers of interrupted checkpoint saves.</summary>
[Collection(RunsAlone.Name)]  // captures stderr, where Checkpoints reports its repairs
public sealed class CheckpointSafetyTests
{
    private static SentenceTransformer Model(float marker)
    {
        var model = TestModels.Tiny(seed: 3);
        using (no_grad())
        {
            model.Transformer.AutoModel.state_dict()["embeddings.word_embeddings.weight"][0, 0] = tensor(marker);
        }
        return model;
    }

    private static string Save(string root, float marker, int step, int totalLimit = 0)
    {
        using var model = Model(marker);
        return Checkpoints.Save(root, model, [new MultipleNegativesRankingLoss(model)], OptimizerFactory.AdamW(model.named_parameters(), kind: OptimizerKind.FusedAdamW),
            new TrainerState { GlobalStep = step, ElapsedSeconds = marker, Losses = [nameof(MultipleNegativesRankingLoss)] }, totalLimit);
    }

    /// <summary>Loads <paramref name="checkpoint"/> into a fresh model; returns the weight marker and the state's.</summary>
    private static (float Weight, double State) Load(string checkpoint)
    {
        using var model = Model(-1);
        var state = Checkpoints.Load(checkpoint, model, [new MultipleNegativesRankingLoss(model)], OptimizerFactory.AdamW(model.named_parameters(), kind: OptimizerKind.FusedAdamW));
        return (model.Transformer.AutoModel.state_dict()["embeddings.word_embeddings.weight"][0, 0].item<float>(), state.ElapsedSeconds);
    }

    private static string CapturingStderr(Action action)
    {
        var previous = Console.Error;
        var error = new StringWriter();
        Console.SetError(error);
        try
        {
            action();
        }
        finally
        {
            Console.SetError(previous);
        }
        return error.ToString();
    }

    [Fact]
    public void ResavingAStepReplacesTheWholeCheckpointAndLeavesNothingBehind()
    {
        using var temp = new TrainingTempFolder();
        var first = Save(temp.Path, 1, step: 5);
        Assert.Equal((1f, 1.0), Load(first));

        var second = Save(temp.Path, 2, step: 5);

        Assert.Equal(first, second);
        Assert.Equal((2f, 2.0), Load(second));
        Assert.Equal(["checkpoint-5"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void AFusedStateFileThatDoesNotFitIsRefusedBeforeTheWeightsChange()
    {
        // Groups of other sizes than this model's: the state of another model.
        using var temp = new TrainingTempFolder();
        var checkpoint = Save(temp.Path, 3, step: 4);
        var file = Path.Combine(checkpoint, "optimizer.safetensors");
        var entries = NotebookSupport.Hub.SafeTensors.Load(file);
        entries["param_group_sizes"].Dispose();
        entries["param_group_sizes"] = tensor(new long[] { 1, 1 });
        NotebookSupport.Hub.SafeTensors.Save(entries, file);
        foreach (var t in entries.Values)
        {
            t.Dispose();
        }

        using var model = Model(-1);
        var error = Assert.Throws<InvalidDataException>(() => Checkpoints.Load(checkpoint, model, [new MultipleNegativesRankingLoss(model)],
            OptimizerFactory.AdamW(model.named_parameters(), kind: OptimizerKind.FusedAdamW)));
        Assert.Contains(file, error.Message);
        Assert.Contains("param_group_sizes", error.Message);
        Assert.Equal(-1f, model.Transformer.AutoModel.state_dict()["embeddings.word_embeddings.weight"][0, 0].item<float>());
    }

    [Fact]
    public void RotationNeverDeletesTheCheckpointJustSaved()
    {
        using var temp = new TrainingTempFolder();
        Save(temp.Path, 10, step: 10, totalLimit: 2);
        Save(temp.Path, 11, step: 11, totalLimit: 2);

        // Resumed from an older checkpoint: by step, 6 is the oldest, but it is the newest one written.
        var resumed = Save(temp.Path, 6, step: 6, totalLimit: 2);

        Assert.Equal([6, 11], Checkpoints.List(temp.Path).Select(c => c.Step));
        Assert.Equal((6f, 6.0), Load(resumed));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(temp.Path), e => Path.GetFileName(e).StartsWith('.'));
    }

    [Fact]
    public void LeftoversOfInterruptedSavesAreRestoredReusedOrRemovedWithAMessage()
    {
        using var temp = new TrainingTempFolder();
        var root = temp.Combine("checkpoints");
        var scratch = temp.Combine("scratch");
        // A checkpoint set aside by an exchange's fallback, whose step folder is gone: the only copy.
        Directory.CreateDirectory(root);
        Directory.Move(Save(scratch, 4, step: 4), Path.Combine(root, ".checkpoint-4.saving-aaaa.old"));
        // A complete staged checkpoint whose save was killed before the rename.
        Directory.Move(Save(scratch, 7, step: 7), Path.Combine(root, ".checkpoint-7.saving-bbbb"));
        // An incomplete staged checkpoint (no trainer_state.json), and a half-deleted one.
        Directory.CreateDirectory(Path.Combine(root, ".checkpoint-8.saving-cccc"));
        File.WriteAllBytes(Path.Combine(root, ".checkpoint-8.saving-cccc", "model.bin"), [1, 2]);
        Directory.CreateDirectory(Path.Combine(root, ".checkpoint-2.deleting-dddd"));
        File.WriteAllText(Path.Combine(root, ".checkpoint-2.deleting-dddd", Checkpoints.StateFile), "{}");

        string latest = "";
        var messages = CapturingStderr(() => latest = Checkpoints.Resolve(root));

        Assert.Equal([4, 7], Checkpoints.List(root).Select(c => c.Step));
        Assert.EndsWith("checkpoint-7", latest);
        Assert.Equal((4f, 4.0), Load(Path.Combine(root, "checkpoint-4")));
        Assert.Equal((7f, 7.0), Load(latest));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(root), e => Path.GetFileName(e).StartsWith('.'));
        Assert.Contains("restored checkpoint-4 from .checkpoint-4.saving-aaaa.old", messages);
        Assert.Contains("checkpoint-7 was complete in .checkpoint-7.saving-bbbb", messages);
        Assert.Contains("removed .checkpoint-8.saving-cccc", messages);
        Assert.Contains(".checkpoint-2.deleting-dddd", messages);
    }
}
