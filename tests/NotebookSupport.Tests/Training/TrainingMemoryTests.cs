using System.Diagnostics;
using System.Runtime.InteropServices;
using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Training;
using TorchSharp;

namespace NotebookSupport.Tests.Training;

[Collection(RunsAlone.Name)]
public sealed class TrainingMemoryTests
{
    [Fact]
    public void ThousandTrainingStepsDoNotGrowProcessMemoryAfterWarmUp() => SingleThreaded.Run(() =>
    {
        var model = TestModels.Tiny(seed: 6, maxSeqLength: 16);
        var loader = new NoDuplicatesDataLoader(SnliPairs.Get(4000), batchSize: 8);
        var samples = new Dictionary<int, (long Rss, long LiveTensors)>();
        var progress = new ImmediateProgress<TrainingProgress>(p =>
        {
            if (p.Step % 200 == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                // Hand freed heap pages back to the OS, so RSS counts what is still allocated, not the allocator's cache.
                MallocTrim(0);
                using var process = Process.GetCurrentProcess();
                // The managed heap's committed size moves with the GC's own budgets; what a tensor leak grows is the rest.
                samples[p.Step] = (process.WorkingSet64 - GC.GetGCMemoryInfo().TotalCommittedBytes, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            }
        });
        var result = model.Fit([(loader, new MultipleNegativesRankingLoss(model))], new FitOptions
        {
            Epochs = 2,
            LearningRate = 1e-4,
            ShowProgressBar = false,
            Progress = progress,
        });

        Assert.Equal(1000, result.GlobalStep);
        var (rssWarm, liveWarm) = samples[200];
        var (rssEnd, liveEnd) = samples[1000];
        // A leaked activation or gradient per step would be at least tens of KB, i.e. tens of MB over 800 steps.
        var growthMb = (rssEnd - rssWarm) / 1024.0 / 1024.0;
        Assert.True(growthMb < 16, $"native memory (RSS minus the managed heap) grew by {growthMb:F1} MB between step 200 and step 1000 ({string.Join(", ", samples.Select(s => $"{s.Key}: {s.Value.Rss / 1048576.0:F0} MB"))})");
        Assert.True(liveEnd <= liveWarm, $"live tensors grew from {liveWarm} at step 200 to {liveEnd} at step 1000");
        return 0;
    });

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
