using System.Diagnostics;
using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// How long a training will take, measured before it starts: a few real training steps (every objective's loss
/// forward and backward, in training mode and at the training precision, as <see cref="Trainer"/> runs them) on
/// batches spread over the first epoch, after a second of untimed ones, timed in repeated passes; the fastest pass's
/// mean step times the number of steps. What <c>st train</c>, <c>st reproduce</c> and notebook 3 print before training.
/// </summary>
/// <remarks>
/// <para>
/// The sampled steps leave no trace: the gradients they computed are set back to zero, the model's mode and
/// precision are restored, and <see cref="Trainer.Train"/> re-seeds the random generator before its first step, so a
/// training gives the same numbers with or without an estimate. The optimizer update and gradient clipping are not
/// timed (a few percent of a step); neither are evaluations. Sampled batches stand for the epoch: an order that puts
/// long texts in a few batches estimates less well. How close it comes on 2 cores is a benchmark figure
/// (bench/RESULTS.md, target 6).
/// </para>
/// <para>
/// The passes go on for <see cref="TimingFloor"/>, at least two. Other work on the machine can only slow a pass, and
/// some always runs at first: <c>dotnet run</c>, which starts <c>st</c> in the README's first command, keeps a core
/// busy compiling its own code for several seconds after the build; on 2 cores that made a BERT-Tiny's steps look
/// 2.5 times their cost. The fastest pass is the speed the training sees once it has the machine.
/// </para>
/// <code>
/// var trainer = new Trainer(model, [(loader, loss)], options);
/// Console.WriteLine($"estimated training time: {TrainingTimeEstimate.Measure(trainer)}");
/// var result = trainer.Train();
/// </code>
/// </remarks>
/// <param name="Total">The estimated time of all steps.</param>
/// <param name="PerStep">The mean time of a sampled step in the fastest pass.</param>
/// <param name="Steps">The training's steps (<see cref="Trainer.TotalSteps"/>).</param>
/// <param name="SampledSteps">How many steps (batches) each timed pass runs.</param>
/// <param name="Passes">How many times those steps were timed (the fastest pass counts).</param>
public sealed record TrainingTimeEstimate(TimeSpan Total, TimeSpan PerStep, int Steps, int SampledSteps, int Passes)
{
    /// <summary>
    /// Times <paramref name="sampledSteps"/> steps of <paramref name="trainer"/>'s training, on batches spread over its first
    /// epoch, after <see cref="WarmUp"/> of untimed steps on the same batches, in passes for <see cref="TimingFloor"/>
    /// (at least two), and keeps the fastest pass.
    /// </summary>
    public static TrainingTimeEstimate Measure(Trainer trainer, int sampledSteps = 5)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampledSteps, 1);
        var batchesInEpoch = trainer.StepsPerEpoch(0);
        var picked = Enumerable.Range(0, sampledSteps).Select(i => (int)((long)i * batchesInEpoch / sampledSteps)).Distinct().ToHashSet();
        var batches = trainer.Objectives.Select(o => o.Loader.Batches(0).Take(batchesInEpoch).Where((_, i) => picked.Contains(i)).ToList()).ToList();

        var model = trainer.Model;
        var modules = trainer.Objectives.Select(o => (nn.Module)o.Loss).Prepend(model).ToList();
        var wasTraining = modules.Select(m => m.training).ToList();
        var precision = model.Precision;
        model.Precision = trainer.Options.Precision ?? precision;
        modules.ForEach(m => m.train());
        var passes = new List<double>();
        void Step(int step)
        {
            for (var objective = 0; objective < batches.Count; objective++)
            {
                trainer.Objectives[objective].Loss.ForwardBackward(batches[objective][step]);
            }
        }
        try
        {
            var warmUp = Stopwatch.StartNew();
            for (var untimed = 0; untimed == 0 || warmUp.Elapsed < WarmUp; untimed++)
            {
                Step(untimed % picked.Count);
            }
            var timing = Stopwatch.StartNew();
            while (passes.Count < 2 || timing.Elapsed < TimingFloor)
            {
                var pass = Stopwatch.StartNew();
                for (var step = 0; step < picked.Count; step++)
                {
                    Step(step);
                }
                passes.Add(pass.Elapsed.TotalSeconds);
            }
        }
        finally
        {
            foreach (var parameter in modules.SelectMany(m => m.parameters()).Distinct())
            {
                parameter.grad?.zero_();
            }
            for (var i = 0; i < modules.Count; i++)
            {
                modules[i].train(wasTraining[i]);
            }
            model.Precision = precision;
        }

        var perStep = passes.Min() / picked.Count;
        return new TrainingTimeEstimate(TimeSpan.FromSeconds(perStep * trainer.TotalSteps), TimeSpan.FromSeconds(perStep), trainer.TotalSteps, picked.Count, passes.Count);
    }

    /// <summary>
    /// How long the untimed steps before the timed ones last (at least one step): the first steps of a process pay
    /// one-time costs (.NET compiling the training code, first at low optimisation; libtorch's first kernels and
    /// allocations). For a model as small as BERT-Tiny they made a step look three times its real cost.
    /// </summary>
    public static TimeSpan WarmUp { get; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the timed passes last at least (and at least two of them): see the remarks.</summary>
    public static TimeSpan TimingFloor { get; } = TimeSpan.FromSeconds(3);

    /// <summary>The estimate of <c>model.Fit(trainObjectives, options)</c>; see <see cref="Measure(Trainer, int)"/>.</summary>
    public static TrainingTimeEstimate Measure(SentenceTransformer model, IReadOnlyList<(IDataLoader Loader, SentenceTransformerLoss Loss)> trainObjectives,
        FitOptions? options = null, int sampledSteps = 5) =>
        Measure(new Trainer(model, trainObjectives, options), sampledSteps);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Total:h\\:mm\\:ss} ({Steps:N0} x {PerStep.TotalSeconds:0.000} s per step, from {SampledSteps} step(s) timed now)";
}
