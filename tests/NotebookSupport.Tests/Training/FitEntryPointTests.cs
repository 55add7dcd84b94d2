using System.Reflection;
using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Training;

namespace NotebookSupport.Tests.Training;

/// <summary>
/// <c>Fit</c> takes what users have: any <see cref="IDataLoader"/> beside each loss, and every setting through one
/// <see cref="FitOptions"/>.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class FitEntryPointTests
{
    private static readonly IReadOnlyList<IReadOnlyList<InputExample>> _fiveBatches = [.. SnliPairs.Get(40).Chunk(8)];

    /// <summary>A user's own loader: given batches, each epoch starting one batch later than the one before.</summary>
    private sealed class RotatingBatches(IReadOnlyList<IReadOnlyList<InputExample>> batches) : IDataLoader
    {
        public int BatchCount(int epoch) => batches.Count;

        public IEnumerable<IReadOnlyList<InputExample>> Batches(int epoch) =>
            Enumerable.Range(0, batches.Count).Select(i => batches[(i + epoch) % batches.Count]);
    }

    private static FitOptions Options(string? checkpoints = null) => FitTests.Options(checkpoints) with { Epochs = 3, CheckpointSaveSteps = 4 };

    [Fact]
    public void FitTrainsOnAUserWrittenLoaderBatchByBatchAndEpochByEpoch() => SingleThreaded.Run(() =>
    {
        var model = TestModels.Tiny(seed: 7, maxSeqLength: 24);
        var before = model.parameters().Select(p => p.data<float>().ToArray()).ToList();
        var loss = new FitTests.Recording(model);

        var result = model.Fit([(new RotatingBatches(_fiveBatches), loss)], Options());

        Assert.True(result.Completed);
        Assert.Equal(15, result.TotalSteps);
        Assert.Equal(15, result.GlobalStep);
        Assert.Equal(Enumerable.Range(1, 15), result.Losses.Select(l => l.Step));
        var expected = Enumerable.Range(0, 3).SelectMany(new RotatingBatches(_fiveBatches).Batches).ToList();
        Assert.Equal(expected, loss.Batches);
        var after = model.parameters().Select(p => p.data<float>().ToArray()).ToList();
        Assert.Contains(before.Zip(after), p => !p.First.SequenceEqual(p.Second));
        // The same 40 pairs three times over: the model learns them.
        var firstEpoch = result.Losses.Take(5).Average(l => l.Loss);
        var lastEpoch = result.Losses.TakeLast(5).Average(l => l.Loss);
        Assert.True(lastEpoch < firstEpoch, $"mean loss went from {firstEpoch} in epoch 1 to {lastEpoch} in epoch 3");
        return 0;
    });

    [Fact]
    public void AUserWrittenLoaderResumesExactlyAndOtherDataIsRefused() => SingleThreaded.Run(() =>
    {
        var first = TestModels.Tiny(seed: 8, maxSeqLength: 24);
        var uninterrupted = first.Fit([(new RotatingBatches(_fiveBatches), new MultipleNegativesRankingLoss(first))], Options());

        using var temp = new TrainingTempFolder();
        var root = temp.Combine("checkpoints");
        using var cancel = new CancellationTokenSource();
        var model = TestModels.Tiny(seed: 8, maxSeqLength: 24);
        var interrupted = model.Fit([(new RotatingBatches(_fiveBatches), new MultipleNegativesRankingLoss(model))], Options(root) with
        {
            CancellationToken = cancel.Token,
            Progress = new ImmediateProgress<TrainingProgress>(p => { if (p.Step == 7) { cancel.Cancel(); } }),
        });
        Assert.Equal(7, interrupted.GlobalStep);
        Assert.Equal([4, 7], Checkpoints.List(root).Select(c => c.Step));

        // Step 7 is in the middle of epoch 2: the resume re-creates that epoch and skips its first two batches.
        var other = TestModels.Tiny(seed: 9, maxSeqLength: 24);
        var resumed = other.Fit([(new RotatingBatches(_fiveBatches), new MultipleNegativesRankingLoss(other))], Options(root) with { ResumeFromCheckpoint = root });
        Assert.True(resumed.Completed);
        Assert.Equal(uninterrupted.Losses.Select(l => l.Step), resumed.Losses.Select(l => l.Step));
        Assert.All(uninterrupted.Losses.Zip(resumed.Losses), p => Assert.True(Math.Abs(p.First.Loss - p.Second.Loss) <= 1e-7 * Math.Max(1, p.First.Loss),
            $"step {p.First.Step}: uninterrupted loss {p.First.Loss:R}, resumed {p.Second.Loss:R}"));

        IReadOnlyList<IReadOnlyList<InputExample>> otherData = [.. SnliPairs.Get(48).Skip(8).Chunk(8)];
        var third = TestModels.Tiny(seed: 9, maxSeqLength: 24);
        var refused = Assert.Throws<InvalidOperationException>(() =>
            third.Fit([(new RotatingBatches(otherData), new MultipleNegativesRankingLoss(third))], Options(temp.Combine("again")) with { ResumeFromCheckpoint = Path.Combine(root, "checkpoint-7") }));
        Assert.Contains("data:", refused.Message);
        Assert.Contains("40 examples", refused.Message);
        return 0;
    });

    [Fact]
    public void GroupByLengthNamesAUserWrittenLoaderItCannotRegroup()
    {
        var model = TestModels.Tiny(seed: 2);
        var error = Assert.Throws<ArgumentException>(() =>
            new Trainer(model, [(new RotatingBatches(_fiveBatches), new MultipleNegativesRankingLoss(model))], Options() with { GroupByLength = true }));
        Assert.Contains("FitOptions.GroupByLength", error.Message);
        Assert.Contains(nameof(RotatingBatches), error.Message);
    }

    [Fact]
    public void EveryFitOptionsSettingReachesFitAndFitTakesNoSettingOfItsOwn()
    {
        var fit = Assert.Single(typeof(SentenceTransformerFitExtensions).GetMethods(BindingFlags.Public | BindingFlags.Static),
            m => m.Name == nameof(SentenceTransformerFitExtensions.Fit));
        Assert.Equal(
            [typeof(SentenceTransformer), typeof(IReadOnlyList<(IDataLoader, SentenceTransformerLoss)>), typeof(FitOptions)],
            fit.GetParameters().Select(p => p.ParameterType));
        var trainer = Assert.Single(typeof(Trainer).GetConstructors());
        Assert.Equal(fit.GetParameters().Select(p => p.ParameterType), trainer.GetParameters().Select(p => p.ParameterType));

        // A caller sets every property in the initializer, so no setting needs a parameter of its own.
        Assert.All(typeof(FitOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance),
            p => Assert.True(p.SetMethod?.IsPublic == true, $"FitOptions.{p.Name} has no public init accessor"));
    }
}
