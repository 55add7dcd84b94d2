using System.Diagnostics;
using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using static TorchSharp.torch;

namespace NotebookSupport.Bench;

/// <summary>
/// One epoch of MNR on the bundled SNLI entailment pairs (6,697), batch 32, lr 2e-5 with 10% warm-up then linear
/// decay, gradient clipping at 1.0 (fit()'s defaults), from the bundled all-MiniLM-L6-v2, then STSb test. Batches come
/// from the library's NoDuplicatesDataLoader: its default random order, or LengthGroupedExampleOrder over the model's
/// tokenizer. Runs are cached so the epoch and bf16-quality targets can share them in one invocation.
/// </summary>
internal sealed class EpochRuns(BenchOptions options)
{
    private const int BatchSize = 32;
    private const int Seed = 42;
    private readonly Dictionary<(bool LengthGrouped, Precision Precision, bool SkipPadding), EpochRun> _runs = [];
    private List<InputExample>? _pairs;
    private List<(int Anchor, int Positive)>? _lengths;
    private double? _before;

    public sealed record EpochRun(string Name, double Seconds, int Batches, int Pairs, double PaddingEfficiency, double SpearmanAfter,
        double FirstLoss, double LastLoss, double Load);

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

    /// <param name="lengthGrouped">Length-grouped batches instead of the loader's default random order.</param>
    /// <param name="precision">The matmul precision while training.</param>
    /// <param name="skipPadding">BertModel.SkipPadding: false computes the whole padded grid (pad-to-longest).</param>
    public EpochRun Get(bool lengthGrouped, Precision precision, bool skipPadding)
    {
        if (_runs.TryGetValue((lengthGrouped, precision, skipPadding), out var cached))
        {
            return cached;
        }

        var run = Train(lengthGrouped, precision, skipPadding);
        _runs[(lengthGrouped, precision, skipPadding)] = run;
        return run;
    }

    private EpochRun Train(bool lengthGrouped, Precision precision, bool skipPadding)
    {
        manual_seed(Seed);
        using var model = BundledMiniLm.Create();
        model.Transformer.AutoModel.SkipPadding = skipPadding;
        _pairs ??= BenchData.SnliEntailmentPairs().Select(p => new InputExample(p.Anchor, p.Positive)).ToList();
        var tokenizer = model.Transformer.Tokenizer;
        _lengths ??= _pairs.Select(p => (tokenizer.Encode(p.Texts[0], model.MaxSeqLength).Length, tokenizer.Encode(p.Texts[1], model.MaxSeqLength).Length)).ToList();
        var loader = new NoDuplicatesDataLoader(_pairs, BatchSize, Seed, lengthGrouped ? LengthGroupedExampleOrder.For(model) : null);
        var index = new Dictionary<InputExample, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _pairs.Count; i++)
        {
            index[_pairs[i]] = i;
        }

        var batches = loader.Batches(0).Select(b => b.Select(e => index[e]).ToArray()).ToList();
        if (options.EpochBatches > 0)
        {
            batches = batches.Take(options.EpochBatches).ToList();
        }

        long real = batches.Sum(b => b.Sum(i => (long)_lengths[i].Anchor + _lengths[i].Positive));
        double efficiency = (double)real / PaddedTokens(batches, _lengths);
        string name = $"{(lengthGrouped ? "length-grouped" : "data order")}, {(skipPadding ? "padding skipped" : "pad to longest")}, {precision}";
        Console.WriteLine($"   epoch [{name}]: {batches.Count} batches, {batches.Sum(b => b.Length)} pairs, padding efficiency {efficiency:F2} ...");

        model.train();
        model.Precision = precision;
        using var trainer = new MnrTrainer(model, totalSteps: batches.Count, warmupRatio: 0.1, maxGradNorm: 1.0);
        var losses = new List<double>();
        long start = Stopwatch.GetTimestamp();
        for (int b = 0; b < batches.Count; b++)
        {
            var anchors = model.Tokenize(batches[b].Select(i => _pairs[i].Texts[0]).ToArray());
            var positives = model.Tokenize(batches[b].Select(i => _pairs[i].Texts[1]).ToArray());
            losses.Add(trainer.Step(anchors, positives).Loss);
            if ((b + 1) % 50 == 0)
            {
                Console.WriteLine($"     {b + 1}/{batches.Count} batches, {Stopwatch.GetElapsedTime(start).TotalSeconds:F0} s, loss {losses[^1]:F3}");
            }
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double load = Machine.LoadAverage1;
        // Evaluated at float32, the master weights: the score measures what training produced.
        model.Precision = Precision.Float32;
        double after = EmbeddingSimilarityEvaluator.FromStsFile(BenchData.StsTestPath).Evaluate(model).SpearmanCosine;
        Console.WriteLine($"   epoch [{name}]: {seconds:F1} s, STSb test Spearman {after:F2}");
        return new EpochRun(name, seconds, batches.Count, batches.Sum(b => b.Length), efficiency, after, losses[0], losses[^1], load);
    }

    /// <summary>Sum over batches of (batch size x longest anchor + batch size x longest positive): the tokens the encoder computes.</summary>
    private static long PaddedTokens(IEnumerable<int[]> batches, IReadOnlyList<(int Anchor, int Positive)> lengths) =>
        batches.Sum(b => (long)b.Length * (b.Max(i => lengths[i].Anchor) + b.Max(i => lengths[i].Positive)));
}
