using NotebookSupport.Data;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using NotebookSupport.Training;
using static TorchSharp.torch;

namespace NotebookSupport.Bench;

/// <summary>
/// Target 2: one MNR training step of MiniLM-L6 at fixed shapes (batch 32 pairs, every sequence exactly L tokens,
/// random words), as Fit runs it, float32 and bfloat16 mixed precision, with the achieved GFLOP/s next to this run's matmul peaks.
/// </summary>
internal static class TrainStepBenchmark
{
    private const int Pairs = 32;
    // The PyTorch 2.6 + OpenBLAS figures of issue 6 (this machine class), used when --pytorch is not given.
    private static readonly Dictionary<int, double> _publishedPyTorch = new() { [32] = 0.575, [64] = 1.116 };

    public static TargetResult Run(PyTorchReference? pytorch, BenchOptions options)
    {
        var result = new TargetResult("train-step", "2. Training step (MiniLM-L6, MNR, batch 32 pairs, fixed L, AdamW)",
            "float32 at least as fast as PyTorch (575 ms at L=32, 1116 ms at L=64); bfloat16 mixed precision (float32 master weights) >= 2.0x the float32 PyTorch figure.")
        {
            Header = ["run", "step median", "GFLOP/s", "vs PyTorch (time ratio)"],
        };
        var (fp32Peak, bf16Peak) = MatmulPeaks(result);
        int[] lengths = [32, 64];
        // Without native bfloat16 a bf16 step takes tens of seconds (the matmul probe says why): measured only where it is native.
        Precision[] precisions = CpuFeatures.HasNativeBFloat16 == true ? [Precision.Float32, Precision.BFloat16] : [Precision.Float32];
        var plain = MeasureSteps(32, Precision.Float32, options.Steps, OptimizerKind.TorchAdamW);
        var measured = new Dictionary<(int, Precision), List<double>>();
        foreach (int length in lengths)
        {
            foreach (var precision in precisions)
            {
                measured[(length, precision)] = MeasureSteps(length, precision, options.Steps);
            }
        }

        // The PyTorch baseline brackets the TorchSharp measurements: it ran just before them and runs again just after,
        // and the ratios use the mean of its two medians, so a slow or fast spell of this shared machine is not
        // credited to one side only.
        var before = pytorch?.Train;
        var after = before is null ? null : pytorch!.RunTrain(lengths);
        var baseline = before is null ? _publishedPyTorch : lengths.ToDictionary(l => l, l => (before.StepSeconds[l] + after!.StepSeconds[l]) / 2);
        string baselineName = before is { } t
            ? $"{t.Version} ({t.Blas}), run just before and just after the TorchSharp steps; the ratios use the mean of the two medians " +
              $"(sgemm {t.SgemmGflops:F0} then {after!.SgemmGflops:F0} GFLOP/s)"
            : "PyTorch 2.6 figures of issue 6";
        result.Note($"PyTorch baseline: {baselineName}.");
        foreach (int length in lengths)
        {
            double flop = Flops.TrainingStep(BundledMiniLm.Config, length, 2 * Pairs);
            if (before is not null)
            {
                result.Row($"PyTorch float32, L={length} (before / after)", $"{before.StepSeconds[length] * 1e3:F0} / {after!.StepSeconds[length] * 1e3:F0} ms",
                    $"{flop / baseline[length] / 1e9:F0}", "1.00x");
            }

            if (length == 32)
            {
                // The same step with TorchSharp's own optim.AdamW, to show what the fused optimizer saves.
                double m = Measure.Median(plain);
                result.Row($"Fit Float32, L={length}, torch.optim.AdamW", $"{m * 1e3:F0} ms", $"{flop / m / 1e9:F0}", $"{baseline[length] / m:F2}x");
            }
            foreach (var precision in precisions)
            {
                var times = measured[(length, precision)];
                double median = Measure.Median(times);
                double ratio = baseline[length] / median;
                result.Row($"Fit {precision}, L={length}", $"{median * 1e3:F0} ms",
                    $"{flop / median / 1e9:F0} (peak {(precision == Precision.Float32 ? fp32Peak : bf16Peak):F0})", $"{ratio:F2}x");
                if (precision == Precision.Float32)
                {
                    result.Verdict($"float32 L={length}: PyTorch / Fit time = {ratio:F2}x (target >= 1.0x)", ratio >= 1.0);
                }
                else
                {
                    result.Verdict($"bfloat16 L={length}: PyTorch float32 / Fit bfloat16 time = {ratio:F2}x (target >= 2.0x)", ratio >= 2.0);
                }
            }
        }
        result.Note("Fit rows are the library's training step as Fit runs it (tokenization, forward, backward, gradient clipping, AdamW, schedule; " +
            "the PyTorch script's step has no tokenization or clipping), with FusedAdamW unless marked torch.optim.AdamW; bfloat16 = Precision.BFloat16 (bf16 matmuls and attention, float32 master weights, residual stream, LayerNorm and loss).");
        if (precisions.Length == 1)
        {
            result.Note($"No bfloat16 rows: this CPU has no {Machine.NativeBFloat16}, and the bfloat16 matmul probe above shows the emulation's speed.");
        }
        result.Note($"GFLOP per step: {Flops.TrainingStep(BundledMiniLm.Config, 32, 64) / 1e9:F1} at L=32, {Flops.TrainingStep(BundledMiniLm.Config, 64, 64) / 1e9:F1} at L=64 (matmuls only, as the reference counts).");
        return result;
    }

    /// <summary>torch.mm of [2048x384] @ [384x1536] (the feed-forward matmul of an L=32 step), median of 20 after 3 warm-ups.</summary>
    private static (double Fp32, double Bf16) MatmulPeaks(TargetResult result)
    {
        double Peak(ScalarType type)
        {
            var g = new Generator(0);
            using var a = randn([2048, 384], generator: g).to(type);
            using var b = randn([384, 1536], generator: g).to(type);
            double seconds = Measure.MedianSeconds(() => { using var c = a.mm(b); }, reps: 20);
            return 2.0 * 2048 * 384 * 1536 / seconds / 1e9;
        }
        double fp32 = Peak(ScalarType.Float32), bf16 = Peak(ScalarType.BFloat16);
        result.Row("matmul peak float32 [2048x384]@[384x1536]", "", $"{fp32:F0}", "");
        result.Row("matmul peak bfloat16 [2048x384]@[384x1536]", "", $"{bf16:F0}", "");
        return (fp32, bf16);
    }

    /// <summary>
    /// Fit's own steps (<see cref="Trainer"/>: tokenization, forward, backward, gradient clipping, AdamW, schedule) on
    /// pairs whose texts are all exactly <paramref name="length"/> tokens; the step times are the differences of the
    /// training log's elapsed times, after 3 warm-up steps.
    /// </summary>
    private static List<double> MeasureSteps(int length, Precision precision, int steps, OptimizerKind optimizer = OptimizerKind.Auto)
    {
        using var model = BundledMiniLm.Create();
        var pairs = FixedLengthPairs(model.Transformer.Tokenizer, length, Pairs * (3 + steps));
        using var loss = new MultipleNegativesRankingLoss(model, scale: 20.0);
        var options = new FitOptions { Precision = precision, Optimizer = optimizer, ShowProgressBar = false };
        var result = new Trainer(model, [(new NoDuplicatesDataLoader(pairs, Pairs), loss)], options).Train();
        var elapsed = result.Log.Where(e => e.Loss is not null).Select(e => e.Elapsed).Prepend(0).ToList();
        return [.. elapsed.Zip(elapsed.Skip(1), (a, b) => b - a).Skip(3)];
    }

    /// <summary>
    /// Distinct pairs of texts of single-token lower-case words (random whole words of the vocabulary, seeded), each
    /// exactly <paramref name="length"/> tokens with [CLS] and [SEP]: the fixed shapes of the PyTorch reference.
    /// </summary>
    private static List<InputExample> FixedLengthPairs(BertWordPieceTokenizer tokenizer, int length, int count)
    {
        var words = tokenizer.ConvertIdsToTokens([.. Enumerable.Range(0, tokenizer.VocabSize)]).Where(w => w.Length >= 3 && w.All(char.IsAsciiLetterLower)).Order(StringComparer.Ordinal).ToArray();
        var rng = new Random(1234);
        string Text()
        {
            var text = string.Join(' ', Enumerable.Range(0, length - 2).Select(_ => words[rng.Next(words.Length)]));
            int tokens = tokenizer.Encode(text, 512).Length;
            return tokens == length ? text : throw new InvalidOperationException($"'{text}' has {tokens} tokens, not {length}.");
        }
        return [.. Enumerable.Range(0, count).Select(_ => new InputExample(Text(), Text()))];
    }
}
