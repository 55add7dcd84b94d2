using NotebookSupport.Models;

namespace NotebookSupport.Bench;

/// <summary>
/// Target 6, the headline: the tutorial's real epoch (MNR on the 6,697 bundled SNLI pairs, batch 32) as
/// <c>st train</c> runs it through <c>Fit</c>, with the default settings and with the fast ones, against the PyTorch
/// reference's full epoch in float32 and under bf16 autocast, measured in the same run; and the printed time
/// estimate against the time measured.
/// </summary>
internal static class RealEpochBenchmark
{
    /// <summary>Batches the PyTorch bf16 autocast run times on a CPU without native bfloat16, where it is emulated and slow.</summary>
    private const int EmulatedBf16Batches = 2;

    public static TargetResult Run(EpochRuns epochs, PyTorchReference? pytorch)
    {
        bool nativeBf16 = CpuFeatures.HasNativeBFloat16 == true;
        var fastPrecision = nativeBf16 ? Precision.BFloat16 : Precision.Float32;
        string fastFlags = nativeBf16 ? "--group-by-length --precision bfloat16" : "--group-by-length";
        var result = new TargetResult("real-epoch", "6. The tutorial's epoch: Fit against PyTorch (the headline)",
            "`Fit` on the full bundled epoch with the default settings >= 1.0x PyTorch float32; with the fast settings >= 2.5x the faster of " +
            "PyTorch float32 and PyTorch bf16 autocast, STSb test within 0.3 of the default's; the time estimate `st train` and `st reproduce` " +
            "print within ±30% of the training time.")
        {
            Header = ["run", "epoch time", "vs PyTorch float32", "estimate printed before (error)", "loss first -> last", "STSb test Spearman"],
        };
        var torch32 = pytorch?.RunRealEpoch(bf16: false, timedBatches: 0);
        var standard = epochs.Get(lengthGrouped: false, Precision.Float32, skipPadding: true);
        var fast = epochs.Get(lengthGrouped: true, fastPrecision, skipPadding: true);
        var torch16 = nativeBf16 ? pytorch?.RunRealEpoch(bf16: true, timedBatches: 0) : pytorch?.RunRealEpoch(bf16: true, EmulatedBf16Batches, warmup: 1);

        result.Row("(no training: bundled model)", "", "", "", "", $"{epochs.SpearmanBefore():F2}");
        foreach (var t in new[] { torch32, torch16 }.OfType<PyTorchReference.RealEpochFigures>())
        {
            string timed = t.TimedBatches < t.Batches / 2 ? $", {t.TimedBatches} of {t.Batches} batches timed" : "";
            result.Row($"PyTorch {t.Label} ({t.Version}, file order{timed})", $"{t.EpochSeconds:F1} s", torch32 is null ? "" : $"{torch32.EpochSeconds / t.EpochSeconds:F2}x",
                "", $"{t.FirstLoss:F3} -> {t.LastLoss:F3}", "");
        }
        static double EstimateError(EpochRuns.EpochRun run) => run.EstimateSeconds / run.Seconds - 1;
        foreach (var (run, flags) in new[] { (standard, "`st train` (defaults)"), (fast, $"`st train {fastFlags}`") })
        {
            double error = EstimateError(run);
            result.Row($"Fit: {flags}: {run.Name}", $"{run.Seconds:F1} s", torch32 is null ? "" : $"{torch32.EpochSeconds / run.Seconds:F2}x",
                $"{run.EstimateSeconds:F0} s ({error:+0%;-0%;0%})", $"{run.FirstLoss:F3} -> {run.LastLoss:F3}", $"{run.SpearmanAfter:F2}");
        }

        if (torch32 is not null && torch16 is not null)
        {
            double standardRatio = torch32.EpochSeconds / standard.Seconds;
            result.Verdict($"default settings: PyTorch float32 / Fit = {standardRatio:F2}x (target >= 1.0x)", standardRatio >= 1.0);
            var faster = torch16.EpochSeconds < torch32.EpochSeconds ? torch16 : torch32;
            double fastRatio = faster.EpochSeconds / fast.Seconds;
            result.Verdict($"fast settings ({fastFlags}): PyTorch {faster.Label} (the faster) / Fit = {fastRatio:F2}x (target >= 2.5x)", fastRatio >= 2.5);
        }
        else
        {
            result.Note("PyTorch was not run (--pytorch not given or not installed): no speed verdicts.");
        }
        double delta = Math.Round(fast.SpearmanAfter - standard.SpearmanAfter, 2);
        result.Verdict($"STSb test, fast - default = {delta:+0.00;-0.00;0.00} points (target within 0.3)", Math.Abs(delta) <= 0.3);
        foreach (var run in new[] { standard, fast })
        {
            double error = EstimateError(run);
            result.Verdict($"estimate for {run.Name}: {run.EstimateSeconds:F0} s for {run.Seconds:F0} s, {error:+0%;-0%;0%} (target within ±30%)", Math.Abs(error) <= 0.3);
        }

        result.Note("Fit's time covers every step as `st train` runs it: tokenization, forward, backward, gradient clipping, FusedAdamW and the schedule. " +
            "The PyTorch script's epoch is its mean step (after 3 warm-ups, no tokenization, no clipping) times its batches, over the pairs in file order; " +
            "Fit uses NoDuplicatesDataLoader's random order (default) or length-grouped batches.");
        if (!nativeBf16)
        {
            result.Note($"This CPU has no {Machine.NativeBFloat16}: bfloat16 matmuls are emulated and slower than float32, " +
                $"so the fast settings stay in float32 (`st train` warns when bfloat16 is asked for here) and PyTorch's bf16 autocast (emulated too) was timed on {EmulatedBf16Batches} batches after one warm-up, its epoch extrapolated.");
        }
        if (epochs.BatchLimit > 0)
        {
            result.Note($"Only the first {epochs.BatchLimit} batches of each Fit epoch were run (--epoch-batches); PyTorch ran its whole epoch.");
        }
        return result;
    }
}
