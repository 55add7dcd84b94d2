using System.Diagnostics;
using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// How long a training will take, measured before it starts: a few real training steps (every objective's loss
/// forward and backward, in training mode and at the training precision, as <see cref="Trainer"/> runs them) on
/// batches spread over the first epoch, their mean times the number of steps. What <c>st train</c>,
/// <c>st reproduce</c> and notebook 3 print before training.
/// </summary>
/// <remarks>
/// <para>
/// The sampled steps leave no trace: the gradients they computed are set back to zero, the model's mode and
/// precision are restored, and <see cref="Trainer.Train"/> re-seeds the random generator before its first step, so a
/// training gives the same numbers with or without an estimate. The optimizer update and gradient clipping are not
/// timed (a few percent of a step); neither are evaluations. Sampled batches stand for the epoch: an order that puts
/// long texts in a few batches estimates less well. In two runs of <c>st reproduce</c> on 2 cores the estimate came
/// within 20% of the training time for all-MiniLM-L6-v2 and <c>minilm-2l</c>; for a model as small as BERT-Tiny,
/// whose steps are mostly per-operation overhead, it came out two to three times too high.
/// </para>
/// <code>
/// var trainer = new Trainer(model, [(loader, loss)], options);
/// Console.WriteLine($"estimated training time: {TrainingTimeEstimate.Measure(trainer)}");
/// var result = trainer.Train();
/// </code>
/// </remarks>
/// <param name="Total">The estimated time of all steps.</param>
/// <param name="PerStep">The mean time of a sampled step.</param>
/// <param name="Steps">The training's steps (<see cref="Trainer.TotalSteps"/>).</param>
/// <param name="SampledSteps">How many steps were timed.</param>
public sealed record TrainingTimeEstimate(TimeSpan Total, TimeSpan PerStep, int Steps, int SampledSteps)
{
    /// <summary>Times <paramref name="sampledSteps"/> steps of <paramref name="trainer"/>'s training (after one untimed step that pays one-time set-up).</summary>
    public static TrainingTimeEstimate Measure(Trainer trainer, int sampledSteps = 5)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampledSteps, 1);
        var batchesInEpoch = trainer.StepsPerEpoch(0);
        var picked = Enumerable.Range(0, sampledSteps + 1).Select(i => (int)((long)i * batchesInEpoch / (sampledSteps + 1))).Distinct().ToHashSet();
        var batches = trainer.Objectives.Select(o => o.Loader.Batches(0).Take(batchesInEpoch).Where((_, i) => picked.Contains(i)).ToList()).ToList();

        var model = trainer.Model;
        var modules = trainer.Objectives.Select(o => (nn.Module)o.Loss).Prepend(model).ToList();
        var wasTraining = modules.Select(m => m.training).ToList();
        var precision = model.Precision;
        model.Precision = trainer.Options.Precision ?? precision;
        modules.ForEach(m => m.train());
        var timed = new List<double>();
        try
        {
            for (var step = 0; step < picked.Count; step++)
            {
                var stopwatch = Stopwatch.StartNew();
                for (var objective = 0; objective < batches.Count; objective++)
                {
                    trainer.Objectives[objective].Loss.ForwardBackward(batches[objective][step]);
                }
                timed.Add(stopwatch.Elapsed.TotalSeconds);
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

        // The first step pays one-time set-up; an epoch of one batch has no other to time, so it stands for itself.
        var counted = timed.Count > 1 ? timed.Skip(1).ToList() : timed;
        var perStep = counted.Average();
        return new TrainingTimeEstimate(TimeSpan.FromSeconds(perStep * trainer.TotalSteps), TimeSpan.FromSeconds(perStep), trainer.TotalSteps, counted.Count);
    }

    /// <summary>The estimate of <c>model.Fit(trainObjectives, options)</c>; see <see cref="Measure(Trainer, int)"/>.</summary>
    public static TrainingTimeEstimate Measure(SentenceTransformer model, IReadOnlyList<(IDataLoader Loader, SentenceTransformerLoss Loss)> trainObjectives,
        FitOptions? options = null, int sampledSteps = 5) =>
        Measure(new Trainer(model, trainObjectives, options), sampledSteps);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Total:h\\:mm\\:ss} ({Steps:N0} x {PerStep.TotalSeconds:0.000} s per step, from {SampledSteps} step(s) timed now)";
}
