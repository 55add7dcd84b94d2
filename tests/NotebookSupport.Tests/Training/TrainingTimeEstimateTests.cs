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
    public void UntimedStepsFillTheWarmUpBeforeTheTimedPasses() => SingleThreaded.Run(() =>
    {
        using var model = TestModels.Tiny(seed: 3);
        var loader = new NoDuplicatesDataLoader(SnliPairs.Get(48), batchSize: 8, seed: 5);
        using var loss = new CountingLoss(new MultipleNegativesRankingLoss(model));
        var trainer = new Trainer(model, [(loader, loss)], new FitOptions { ShowProgressBar = false });
        var clock = Stopwatch.StartNew();
        var estimate = TrainingTimeEstimate.Measure(trainer, sampledSteps: 3);

        Assert.True(clock.Elapsed >= TrainingTimeEstimate.WarmUp + TrainingTimeEstimate.TimingFloor, $"the estimate took {clock.Elapsed}, less than its warm-up and timing");
        Assert.Equal(3, estimate.SampledSteps);
        // A tiny model's step takes milliseconds: the warm-up holds many of them, the first steps of the process among
        // them, and the timing floor many passes of the 3 sampled steps, each pass all 3 of them.
        Assert.True(estimate.Passes > 2, $"{estimate.Passes} passes");
        Assert.True(loss.Calls > estimate.SampledSteps * estimate.Passes + 5, $"{loss.Calls} steps in all, {estimate.Passes} timed passes of 3");
        Assert.True(estimate.PerStep < TrainingTimeEstimate.WarmUp / 5, $"a timed step took {estimate.PerStep}");
        return 0;
    });

    [Fact]
    public void PassesSlowedByOtherWorkDoNotCount() => SingleThreaded.Run(() =>
    {
        // Other work on the machine during the timing (here: three steps held for half a second each, half the timing
        // floor): the estimate is the fastest pass's, as fast as without the interruption (a mean over the passes would
        // double). The pauses come early, so the passes after them run on code .NET has finished optimising, as the
        // undisturbed run's do: with a second each they filled the floor, left only the passes before them to choose
        // from, and a CI run on a Debug build read 6.4 ms against 3.8.
        TrainingTimeEstimate Measure(TimeSpan pause)
        {
            using var model = TestModels.Tiny(seed: 3);
            var loader = new NoDuplicatesDataLoader(SnliPairs.Get(48), batchSize: 8, seed: 5);
            using var loss = new CountingLoss(new MultipleNegativesRankingLoss(model));
            var trainer = new Trainer(model, [(loader, loss)], new FitOptions { ShowProgressBar = false });
            Stopwatch? sinceFirstStep = null;
            loss.BeforeStep = () =>
            {
                sinceFirstStep ??= Stopwatch.StartNew();
                // Well after the warm-up (its clock started just before the first step), in the timed passes.
                if (pause > TimeSpan.Zero && sinceFirstStep.Elapsed >= TrainingTimeEstimate.WarmUp + TimeSpan.FromMilliseconds(300) && loss.Paused < 3)
                {
                    loss.Paused++;
                    Thread.Sleep(pause);
                }
            };
            var estimate = TrainingTimeEstimate.Measure(trainer, sampledSteps: 3);
            Assert.Equal(pause > TimeSpan.Zero ? 3 : 0, loss.Paused);
            return estimate;
        }

        var undisturbed = Measure(TimeSpan.Zero);
        var disturbed = Measure(TimeSpan.FromSeconds(0.5));

        Assert.True(disturbed.PerStep < undisturbed.PerStep * 1.5, $"a step: {disturbed.PerStep} with the pauses, {undisturbed.PerStep} without");
        return 0;
    });

    /// <summary>Counts the steps run through it.</summary>
    private sealed class CountingLoss(MultipleNegativesRankingLoss inner) : SentenceTransformerLoss("counting", inner.Model)
    {
        public int Calls { get; private set; }

        public int Paused { get; set; }

        public Action? BeforeStep { get; set; }

        public override Tensor forward(IReadOnlyList<InputExample> batch) => inner.forward(batch);

        public override double ForwardBackward(IReadOnlyList<InputExample> batch)
        {
            BeforeStep?.Invoke();
            Calls++;
            return base.ForwardBackward(batch);
        }
    }
}
