using System.Diagnostics;
using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Training;

/// <summary>
/// <see cref="TrainingTimeEstimate"/> times real steps and leaves no trace: a training measured first gives exactly
/// the losses and weights of one that was not. (How close the estimate comes to the measured time is a benchmark
/// figure, bench/RESULTS.md, not a unit test.)
/// </summary>
[Collection(RunsAlone.Name)]  // seeds torch's global generator
public sealed class TrainingTimeEstimateTests
{
    private static (List<double> Losses, float[] Weights, TrainingTimeEstimate? Estimate) Train(bool estimateFirst, Precision precision)
    {
        using var model = TestModels.Tiny(seed: 3);
        var loader = new NoDuplicatesDataLoader(SnliPairs.Get(48), batchSize: 8, seed: 5);
        var loss = new MultipleNegativesRankingLoss(model);
        var trainer = new Trainer(model, [(loader, loss)], new FitOptions { Epochs = 2, LearningRate = 1e-3, ShowProgressBar = false, Seed = 7, Precision = precision });
        model.eval();
        var estimate = estimateFirst ? TrainingTimeEstimate.Measure(trainer, sampledSteps: 3) : null;
        if (estimate is not null)
        {
            Assert.False(model.training, "the model's mode is restored");
            Assert.Equal(Precision.Float32, model.Precision);
            Assert.All(model.parameters(), p => Assert.True(p.grad is null || p.grad.abs().max().item<float>() == 0, "no gradient is left behind"));
        }
        var result = trainer.Train();
        var weights = model.parameters().SelectMany(p => p.detach().flatten().data<float>().ToArray()).ToArray();
        return ([.. result.Losses.Select(l => l.Loss)], weights, estimate);
    }

    [Theory]
    [InlineData(Precision.Float32)]
    [InlineData(Precision.BFloat16)]
    public void ATrainingMeasuredFirstGivesTheSameNumbers(Precision precision) => SingleThreaded.Run(() =>
    {
        var plain = Train(estimateFirst: false, precision);
        var measured = Train(estimateFirst: true, precision);

        Assert.Equal(plain.Losses, measured.Losses);
        Assert.Equal(plain.Weights, measured.Weights);
        var estimate = measured.Estimate!;
        Assert.Equal(12, estimate.Steps);   // 48 pairs in batches of 8, two epochs
        Assert.Equal(3, estimate.SampledSteps);
        Assert.True(estimate.PerStep > TimeSpan.Zero);
        Assert.Equal(estimate.PerStep.TotalSeconds * 12, estimate.Total.TotalSeconds, tolerance: 1e-5);   // both rounded to TimeSpan ticks
        return 0;
    });

    [Fact]
    public void AnEpochOfOneBatchIsTimedByThatBatch() => SingleThreaded.Run(() =>
    {
        using var model = TestModels.Tiny(seed: 3);
        var loader = new NoDuplicatesDataLoader(SnliPairs.Get(4), batchSize: 8);
        var estimate = TrainingTimeEstimate.Measure(model, [(loader, new MultipleNegativesRankingLoss(model))], new FitOptions { ShowProgressBar = false });

        Assert.Equal(1, estimate.Steps);
        Assert.Equal(1, estimate.SampledSteps);
        Assert.Matches(@"^0:00:\d\d \(1 x \d+\.\d{3} s per step, from 1 step\(s\) timed now\)$", estimate.ToString());
        return 0;
    });

    [Fact]
    public void UntimedStepsFillTheWarmUpBeforeTheTimedOnes() => SingleThreaded.Run(() =>
    {
        using var model = TestModels.Tiny(seed: 3);
        var loader = new NoDuplicatesDataLoader(SnliPairs.Get(48), batchSize: 8, seed: 5);
        using var loss = new CountingLoss(new MultipleNegativesRankingLoss(model));
        var trainer = new Trainer(model, [(loader, loss)], new FitOptions { ShowProgressBar = false });
        var clock = Stopwatch.StartNew();
        var estimate = TrainingTimeEstimate.Measure(trainer, sampledSteps: 3);

        Assert.True(clock.Elapsed >= TrainingTimeEstimate.WarmUp, $"the estimate took {clock.Elapsed}, less than its warm-up");
        Assert.Equal(3, estimate.SampledSteps);
        // A tiny model's step takes milliseconds: the second of warm-up holds many of them, the first steps of the
        // process among them, and none is timed.
        Assert.True(loss.Calls > estimate.SampledSteps + 5, $"{loss.Calls} steps in all");
        Assert.True(estimate.PerStep < TrainingTimeEstimate.WarmUp / 5, $"a timed step took {estimate.PerStep}");
        return 0;
    });

    /// <summary>Counts the steps run through it.</summary>
    private sealed class CountingLoss(MultipleNegativesRankingLoss inner) : SentenceTransformerLoss("counting", inner.Model)
    {
        public int Calls { get; private set; }

        public override Tensor forward(IReadOnlyList<InputExample> batch) => inner.forward(batch);

        public override double ForwardBackward(IReadOnlyList<InputExample> batch)
        {
            Calls++;
            return base.ForwardBackward(batch);
        }
    }
}
