using NotebookSupport.Models;

namespace NotebookSupport.Bench;

/// <summary>Target 3: a real SNLI epoch, length-grouped batches (no duplicates kept) against the loader's random order, both padded per side to the longest, and each again with the encoder skipping padding.</summary>
internal static class EpochBenchmark
{
    public static TargetResult Run(EpochRuns epochs)
    {
        var result = new TargetResult("epoch", "3. One SNLI epoch: length-grouped vs data-order batches (float32)",
            "length-aware batching that keeps the no-duplicates guarantee >= 1.4x faster than pad-to-longest in data order, STSb test after one epoch within 0.3 points.")
        {
            Header = ["batching", "batches", "padding efficiency", "epoch time (vs baseline)", "pairs/s", "loss first -> last", "STSb test Spearman"],
        };
        double before = epochs.SpearmanBefore();
        result.Row("(no training: bundled model)", "", "", "", "", "", $"{before:F2}");
        // The baseline: the loader's random order, every batch padded per side to its longest sequence and computed whole.
        var order = epochs.Get(lengthGrouped: false, Precision.Float32, skipPadding: false);
        var grouped = epochs.Get(lengthGrouped: true, Precision.Float32, skipPadding: false);
        // What the library does by default on top: the encoder skips the padding of sparse batches (BertModel.SkipPadding).
        var orderPacked = epochs.Get(lengthGrouped: false, Precision.Float32, skipPadding: true);
        var groupedPacked = epochs.Get(lengthGrouped: true, Precision.Float32, skipPadding: true);
        foreach (var r in new[] { order, grouped, orderPacked, groupedPacked })
        {
            result.Row(r.Name, $"{r.Batches}", $"{r.PaddingEfficiency:F2}", $"{r.Seconds:F1} s ({order.Seconds / r.Seconds:F2}x)", $"{r.Pairs / r.Seconds:F1}",
                $"{r.FirstLoss:F3} -> {r.LastLoss:F3}", $"{r.SpearmanAfter:F2}");
        }

        double speedup = order.Seconds / grouped.Seconds, delta = Math.Round(grouped.SpearmanAfter - order.SpearmanAfter, 2);
        result.Verdict($"length-grouped vs random order, both padded to the longest: speed-up {speedup:F2}x (target >= 1.4x)", speedup >= 1.4);
        result.Verdict($"STSb test difference {delta:+0.00;-0.00;0.00} points (target within 0.3)", Math.Abs(delta) <= 0.3);
        double packedSpeedup = order.Seconds / groupedPacked.Seconds, packedDelta = Math.Round(groupedPacked.SpearmanAfter - order.SpearmanAfter, 2);
        result.Verdict($"length-grouped with padding skipped vs the baseline: speed-up {packedSpeedup:F2}x (target >= 1.4x), " +
            $"STSb test difference {packedDelta:+0.00;-0.00;0.00} (target within 0.3)", packedSpeedup >= 1.4 && Math.Abs(packedDelta) <= 0.3);
        result.Note($"Skipping padding alone (random order): {order.Seconds / orderPacked.Seconds:F2}x. Padding efficiency is real tokens / padded grid; " +
            "with padding skipped only attention still sees the grid.");
        if (epochs.BatchLimit > 0)
        {
            result.Note($"Only the first {epochs.BatchLimit} batches of each epoch were run (--epoch-batches).");
        }

        return result;
    }
}
