using System.Diagnostics;
using NotebookSupport.Data;
using NotebookSupport.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Cli.Reproduction;

/// <summary>
/// A rough, printed-before-it-starts estimate of an MNR epoch: the matmul work of the steps (3 x the forward's
/// 2 x weights x tokens) divided by the matmul speed this machine shows right now, at an assumed efficiency.
/// </summary>
internal static class TrainingTimeEstimate
{
    // A training step keeps the matmul units busy for about half its time on a CPU (measured on MiniLM-L6).
    private const double StepEfficiency = 0.5;

    /// <summary>Estimated duration of one epoch over <paramref name="examples"/> in batches of <paramref name="batchSize"/>.</summary>
    public static (TimeSpan Duration, double GflopsPerSecond, double PaddedTokensPerText) Estimate(
        SentenceTransformer model, IReadOnlyList<InputExample> examples, int batchSize)
    {
        var config = model.Transformer.Config;
        double paddedLength = MeanPaddedLength(model, examples, batchSize);
        long layerWeights = 4L * config.HiddenSize * config.HiddenSize + 2L * config.HiddenSize * config.IntermediateSize;
        int textsPerExample = examples.Count == 0 ? 2 : examples[0].Texts.Count;
        double tokensPerStep = textsPerExample * batchSize * paddedLength;
        double forwardFlops = 2.0 * layerWeights * config.NumHiddenLayers * tokensPerStep
                              + 4.0 * paddedLength * paddedLength * config.HiddenSize * config.NumHiddenLayers * textsPerExample * batchSize;
        double gflops = MatmulGflops(config.HiddenSize, config.IntermediateSize, (int)Math.Min(tokensPerStep, 4096));
        int steps = (examples.Count + batchSize - 1) / batchSize;
        double seconds = steps * 3 * forwardFlops / (gflops * 1e9 * StepEfficiency);
        return (TimeSpan.FromSeconds(seconds), gflops, paddedLength);
    }

    private static double MeanPaddedLength(SentenceTransformer model, IReadOnlyList<InputExample> examples, int batchSize)
    {
        const int sampledBatches = 20;
        if (examples.Count == 0) return 0;
        var random = new Random(0);
        double total = 0;
        int sides = 0;
        for (int b = 0; b < sampledBatches; b++)
        {
            var batch = Enumerable.Range(0, Math.Min(batchSize, examples.Count)).Select(_ => examples[random.Next(examples.Count)]).ToList();
            for (int side = 0; side < batch[0].Texts.Count; side++)
            {
                total += model.Tokenize([.. batch.Select(e => e.Texts[side])]).SequenceLength;
                sides++;
            }
        }
        return total / sides;
    }

    private static double MatmulGflops(int hidden, int intermediate, int rows)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(rows, hidden);
        var b = randn(hidden, intermediate);
        a.matmul(b);
        var stopwatch = Stopwatch.StartNew();
        const int repeats = 5;
        for (int i = 0; i < repeats; i++) a.matmul(b);
        return repeats * 2.0 * rows * hidden * intermediate / stopwatch.Elapsed.TotalSeconds / 1e9;
    }
}
