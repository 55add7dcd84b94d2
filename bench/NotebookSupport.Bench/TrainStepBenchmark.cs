using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using static TorchSharp.torch;

namespace NotebookSupport.Bench;

/// <summary>
/// Target 2: one MNR training step of MiniLM-L6 at fixed shapes (batch 32 pairs, every sequence exactly L tokens,
/// random ids), float32 and bfloat16 mixed precision, with the achieved GFLOP/s next to this run's matmul peaks.
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
            Header = ["run", "step median", "fwd / bwd / AdamW", "GFLOP/s", "vs PyTorch (time ratio)"],
        };
        var (fp32Peak, bf16Peak) = MatmulPeaks(result);
        int[] lengths = [32, 64];
        var plain = MeasureSteps(32, Precision.Float32, options.Steps, fused: false);
        var measured = new Dictionary<(int, Precision), List<MnrTrainer.StepTimes>>();
        foreach (int length in lengths)
        {
            foreach (var precision in new[] { Precision.Float32, Precision.BFloat16 })
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
        string Split(List<MnrTrainer.StepTimes> times) =>
            $"{Measure.Median(times.Select(x => x.Forward).ToList()) * 1e3:F0} / {Measure.Median(times.Select(x => x.Backward).ToList()) * 1e3:F0} / {Measure.Median(times.Select(x => x.Optimizer).ToList()) * 1e3:F0} ms";
        foreach (int length in lengths)
        {
            double flop = Flops.TrainingStep(BundledMiniLm.Config, length, 2 * Pairs);
            if (before is not null)
            {
                result.Row($"PyTorch float32, L={length} (before / after)", $"{before.StepSeconds[length] * 1e3:F0} / {after!.StepSeconds[length] * 1e3:F0} ms", "",
                    $"{flop / baseline[length] / 1e9:F0}", "1.00x");
            }

            if (length == 32)
            {
                // The same step with TorchSharp's own optim.AdamW, to show what the fused optimizer saves.
                double m = Measure.Median(plain.Select(x => x.Total).ToList());
                result.Row($"TorchSharp Float32, L={length}, torch.optim.AdamW", $"{m * 1e3:F0} ms", Split(plain), $"{flop / m / 1e9:F0}", $"{baseline[length] / m:F2}x");
            }
            foreach (var precision in new[] { Precision.Float32, Precision.BFloat16 })
            {
                var times = measured[(length, precision)];
                double median = Measure.Median(times.Select(x => x.Total).ToList());
                double ratio = baseline[length] / median;
                result.Row($"TorchSharp {precision}, L={length}", $"{median * 1e3:F0} ms", Split(times),
                    $"{flop / median / 1e9:F0} (peak {(precision == Precision.Float32 ? fp32Peak : bf16Peak):F0})", $"{ratio:F2}x");
                if (precision == Precision.Float32)
                {
                    result.Verdict($"float32 L={length}: PyTorch / TorchSharp time = {ratio:F2}x (target >= 1.0x)", ratio >= 1.0);
                }
                else
                {
                    result.Verdict($"bfloat16 L={length}: PyTorch float32 / TorchSharp bfloat16 time = {ratio:F2}x (target >= 2.0x)", ratio >= 2.0);
                }
            }
        }
        result.Note("TorchSharp rows use the library's FusedAdamW unless marked torch.optim.AdamW; bfloat16 = Precision.BFloat16 (bf16 matmuls and attention, float32 master weights, residual stream, LayerNorm and loss).");
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
        result.Row("matmul peak float32 [2048x384]@[384x1536]", "", "", $"{fp32:F0}", "");
        result.Row("matmul peak bfloat16 [2048x384]@[384x1536]", "", "", $"{bf16:F0}", "");
        return (fp32, bf16);
    }

    private static List<MnrTrainer.StepTimes> MeasureSteps(int length, Precision precision, int steps, bool fused = true)
    {
        manual_seed(0);
        using var model = BundledMiniLm.Create();
        model.train();
        model.Precision = precision;
        using var trainer = new MnrTrainer(model, fused: fused);
        var tokenizer = model.Transformer.Tokenizer;
        var rng = new Random(1234);
        TokenizedBatch Side()
        {
            var ids = new long[Pairs * length];
            for (int b = 0; b < Pairs; b++)
            {
                for (int t = 0; t < length; t++)
                {
                    ids[b * length + t] = t == 0 ? tokenizer.ClsTokenId : t == length - 1 ? tokenizer.SepTokenId : rng.Next(1000, tokenizer.VocabSize);
                }
            }

            return new TokenizedBatch(ids, Enumerable.Repeat(1L, ids.Length).ToArray(), new long[ids.Length], Pairs, length);
        }
        var anchors = Side();
        var positives = Side();
        var times = new List<MnrTrainer.StepTimes>();
        for (int i = 0; i < 3 + steps; i++)
        {
            var t = trainer.Step(anchors, positives);
            if (i >= 3)
            {
                times.Add(t);
            }
        }
        return times;
    }
}
