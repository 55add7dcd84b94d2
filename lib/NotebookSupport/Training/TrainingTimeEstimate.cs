using System.Diagnostics;
using NotebookSupport.Data;
using NotebookSupport.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// A rough, printed-before-it-starts estimate of an MNR epoch: the matmul work of the steps (3 x the forward's
/// 2 x weights x tokens, padded as the loader's batches are, or only the real tokens where the encoder skips padding)
/// divided by the matmul speed this machine shows right now in the training precision, at an assumed efficiency.
/// What <c>st reproduce</c> and the notebooks' full experiments print before training starts.
/// </summary>
/// <remarks>
/// <code>
/// var (duration, gflops, padded) = TrainingTimeEstimate.Estimate(model, loader, Precision.Float32);
/// </code>
/// </remarks>
public static class TrainingTimeEstimate
{
    // A training step keeps the matmul units busy for about half its time on a CPU (measured on MiniLM-L6).
    private const double StepEfficiency = 0.5;

    /// <summary>Estimated duration of the first epoch of <paramref name="loader"/> at <paramref name="precision"/>.</summary>
    public static (TimeSpan Duration, double GflopsPerSecond, double PaddedTokensPerText) Estimate(
        SentenceTransformer model, NoDuplicatesDataLoader loader, Precision precision)
    {
        var config = model.Transformer.Config;
        var examples = loader.Examples;
        int batchSize = loader.BatchSize;
        var (paddedLength, computedLength) = MeanLengths(model, loader);
        long layerWeights = 4L * config.HiddenSize * config.HiddenSize + 2L * config.HiddenSize * config.IntermediateSize;
        int textsPerExample = examples.Count == 0 ? 2 : examples[0].Texts.Count;
        double tokensPerStep = textsPerExample * batchSize * computedLength;
        double forwardFlops = 2.0 * layerWeights * config.NumHiddenLayers * tokensPerStep
                              + 4.0 * paddedLength * paddedLength * config.HiddenSize * config.NumHiddenLayers * textsPerExample * batchSize;
        double gflops = MatmulGflops(config.HiddenSize, config.IntermediateSize, (int)Math.Min(tokensPerStep, 4096),
            precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32);
        int steps = loader.BatchCount(0);
        double seconds = steps * 3 * forwardFlops / (gflops * 1e9 * StepEfficiency);
        return (TimeSpan.FromSeconds(seconds), gflops, paddedLength);
    }

    // Twenty batches spread over the epoch, padded as training pads them (each column to its longest text): the
    // mean padded length, and the mean length the linear layers compute (real tokens only where the batch is packed).
    private static (double Padded, double Computed) MeanLengths(SentenceTransformer model, NoDuplicatesDataLoader loader)
    {
        const int sampledBatches = 20;
        var batches = loader.Batches(0).ToList();
        var bert = model.Transformer.AutoModel;
        double padded = 0, computed = 0;
        int sides = 0;
        for (int b = 0; b < Math.Min(sampledBatches, batches.Count); b++)
        {
            var batch = batches[(int)((long)b * batches.Count / Math.Min(sampledBatches, batches.Count))];
            for (int side = 0; side < batch[0].Texts.Count; side++)
            {
                var tokens = model.Tokenize([.. batch.Select(e => e.Texts[side])]);
                long real = tokens.AttentionMask.Sum();
                padded += tokens.SequenceLength;
                computed += bert.SkipsPaddingOf(real, tokens.AttentionMask.Length) ? (double)real / tokens.BatchSize : tokens.SequenceLength;
                sides++;
            }
        }
        return (padded / sides, computed / sides);
    }

    private static double MatmulGflops(int hidden, int intermediate, int rows, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = randn(rows, hidden, dtype: dtype);
        var b = randn(hidden, intermediate, dtype: dtype);
        a.matmul(b);
        var stopwatch = Stopwatch.StartNew();
        const int repeats = 5;
        for (int i = 0; i < repeats; i++)
        {
            a.matmul(b);
        }

        return repeats * 2.0 * rows * hidden * intermediate / stopwatch.Elapsed.TotalSeconds / 1e9;
    }
}
