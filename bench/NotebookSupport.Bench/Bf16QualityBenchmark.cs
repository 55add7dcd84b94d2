using NotebookSupport.Models;

namespace NotebookSupport.Bench;

/// <summary>Target 5: one epoch on the bundled SNLI pairs in bfloat16 mixed precision against float32, same batches and seed.</summary>
internal static class Bf16QualityBenchmark
{
    public static TargetResult Run(EpochRuns epochs)
    {
        var result = new TargetResult("bf16-quality", "5. bfloat16 mixed-precision training quality (one SNLI epoch, length-grouped batches)",
            "STSb test after one epoch on the bundled pairs within 0.3 points of float32 training.")
        {
            Header = ["precision", "epoch time", "loss first -> last", "STSb test Spearman"],
        };
        if (CpuFeatures.HasNativeBFloat16 != true)
        {
            result.Note($"Not run: this CPU has no {Machine.NativeBFloat16}; an emulated bfloat16 epoch would take hours.");
            return result;
        }
        var fp32 = epochs.Get(lengthGrouped: true, Precision.Float32, skipPadding: true);
        var bf16 = epochs.Get(lengthGrouped: true, Precision.BFloat16, skipPadding: true);
        foreach (var r in new[] { fp32, bf16 })
        {
            result.Row(r.Name, $"{r.Seconds:F1} s", $"{r.FirstLoss:F3} -> {r.LastLoss:F3}", $"{r.SpearmanAfter:F2}");
        }

        double delta = Math.Round(bf16.SpearmanAfter - fp32.SpearmanAfter, 2);
        result.Verdict($"STSb test difference bfloat16 - float32 = {delta:+0.00;-0.00;0.00} points (target within 0.3)", Math.Abs(delta) <= 0.3);
        result.Note($"bfloat16 epoch is {fp32.Seconds / bf16.Seconds:F2}x faster than float32. Both models evaluated in float32 (the master weights).");
        if (epochs.BatchLimit > 0)
        {
            result.Note($"Only the first {epochs.BatchLimit} batches of each epoch were run (--epoch-batches).");
        }

        return result;
    }
}
