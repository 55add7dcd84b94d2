using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Training;

namespace NotebookSupport.Bench;

/// <summary>
/// One epoch of MNR on the bundled SNLI entailment pairs (6,697) from the bundled all-MiniLM-L6-v2, run by the
/// library's <see cref="Trainer"/> exactly as <c>st train</c> runs it (batch 32, scale 20, lr 2e-5 with 10% warm-up
/// then linear decay, gradient clipping at 1.0, seed 42, <see cref="NoDuplicatesDataLoader"/> in its random order or
/// <see cref="FitOptions.GroupByLength"/>), preceded by <see cref="TrainingTimeEstimate"/> as <c>st train</c> prints
/// it, then STSb test. Runs are cached so the epoch targets can share them in one invocation.
/// </summary>
internal sealed class EpochRuns(BenchOptions options)
{
    private const int BatchSize = 32;
    private readonly Dictionary<(bool LengthGrouped, Precision Precision, bool SkipPadding), EpochRun> _runs = [];
    private List<InputExample>? _pairs;
    private double? _before;

    /// <summary>One training's outcome.</summary>
    /// <param name="Name">Batching, padding and precision.</param>
    /// <param name="Seconds">Fit's training time (every step, tokenization included; no evaluation).</param>
    /// <param name="EstimateSeconds">What <see cref="TrainingTimeEstimate"/> predicted before the training.</param>
    /// <param name="Batches">Steps.</param>
    /// <param name="Pairs">Pairs trained on.</param>
    /// <param name="PaddingEfficiency">Real tokens / the padded grid.</param>
    /// <param name="SpearmanAfter">STSb test Spearman x 100 after the epoch.</param>
    /// <param name="FirstLoss">The first step's loss.</param>
    /// <param name="LastLoss">The last step's loss.</param>
    public sealed record EpochRun(string Name, double Seconds, double EstimateSeconds, int Batches, int Pairs, double PaddingEfficiency,
        double SpearmanAfter, double FirstLoss, double LastLoss);

    public int BatchLimit => options.EpochBatches;

    /// <summary>STSb test Spearman of the untrained bundled model.</summary>
    public double SpearmanBefore()
    {
        if (_before is null)
        {
            using var model = BundledMiniLm.Create();
            _before = EmbeddingSimilarityEvaluator.FromStsFile(BenchData.StsTestPath).Evaluate(model).SpearmanCosine;
        }
        return _before.Value;
    }

    /// <param name="lengthGrouped"><see cref="FitOptions.GroupByLength"/> instead of the loader's default random order.</param>
    /// <param name="precision">The training precision (<see cref="FitOptions.Precision"/>).</param>
    /// <param name="skipPadding">BertModel.SkipPadding (the default): false computes the whole padded grid (pad-to-longest).</param>
    public EpochRun Get(bool lengthGrouped, Precision precision, bool skipPadding)
    {
        if (!_runs.TryGetValue((lengthGrouped, precision, skipPadding), out var run))
        {
            run = Train(lengthGrouped, precision, skipPadding);
            _runs[(lengthGrouped, precision, skipPadding)] = run;
        }
        return run;
    }

    private EpochRun Train(bool lengthGrouped, Precision precision, bool skipPadding)
    {
        using var model = BundledMiniLm.Create();
        model.Transformer.AutoModel.SkipPadding = skipPadding;
        _pairs ??= [.. BenchData.SnliEntailmentPairs().Select(p => new InputExample(p.Anchor, p.Positive))];
        using var loss = new MultipleNegativesRankingLoss(model, scale: 20.0);
        var loader = new NoDuplicatesDataLoader(_pairs, BatchSize);
        var fitOptions = new FitOptions
        {
            GroupByLength = lengthGrouped,
            Precision = precision,
            ShowProgressBar = false,
            StepsPerEpoch = options.EpochBatches > 0 ? options.EpochBatches : null,
            Progress = new EveryFiftySteps(),
        };
        var trainer = new Trainer(model, [(loader, loss)], fitOptions);
        var batches = trainer.Objectives[0].Loader.Batches(0).Take(trainer.TotalSteps).ToList();
        double efficiency = PaddingEfficiency(model, batches);
        string name = $"{(lengthGrouped ? "length-grouped" : "random order")}, {(skipPadding ? "padding skipped" : "pad to longest")}, {precision}";
        Console.WriteLine($"   epoch [{name}]: {batches.Count} batches, {batches.Sum(b => b.Count)} pairs, padding efficiency {efficiency:F2} ...");

        var estimate = TrainingTimeEstimate.Measure(trainer);
        Console.WriteLine($"   estimated training time: {estimate}");
        var result = trainer.Train();
        double seconds = result.Elapsed.TotalSeconds;
        // Evaluated at float32, the master weights: the score measures what training produced.
        double after = EmbeddingSimilarityEvaluator.FromStsFile(BenchData.StsTestPath).Evaluate(model).SpearmanCosine;
        Console.WriteLine($"   epoch [{name}]: {seconds:F1} s (estimate {estimate.Total.TotalSeconds:F0} s), STSb test Spearman {after:F2}");
        var losses = result.Losses;
        return new EpochRun(name, seconds, estimate.Total.TotalSeconds, batches.Count, batches.Sum(b => b.Count), efficiency, after, losses[0].Loss, losses[^1].Loss);
    }

    /// <summary>Real tokens / the padded grid the encoder computes without SkipPadding (each side padded to its longest).</summary>
    private static double PaddingEfficiency(SentenceTransformer model, List<IReadOnlyList<InputExample>> batches)
    {
        long real = 0, padded = 0;
        foreach (var batch in batches)
        {
            for (int side = 0; side < 2; side++)
            {
                var lengths = batch.Select(e => model.Transformer.Tokenizer.Encode(e.Texts[side], model.MaxSeqLength).Length).ToList();
                real += lengths.Sum();
                padded += (long)lengths.Count * lengths.Max();
            }
        }
        return (double)real / padded;
    }

    private sealed class EveryFiftySteps : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Step % 50 == 0)
            {
                Console.WriteLine($"     {value.Step}/{value.TotalSteps} steps, {value.Elapsed.TotalSeconds:F0} s, loss {value.Loss:F3}");
            }
        }
    }
}
