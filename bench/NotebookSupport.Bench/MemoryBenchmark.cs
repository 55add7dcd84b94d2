using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NotebookSupport.Data;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Training;
using static TorchSharp.torch;

namespace NotebookSupport.Bench;

/// <summary>
/// Target 4: peak process memory (VmHWM) and step time of plain MNR against cached MNR (GradCache, mini-batches of
/// 32) at batch 512. Each variant runs in its own child process, so each peak is that variant's alone.
/// </summary>
internal static class MemoryBenchmark
{
    private const int Steps = 3;

    public sealed record ChildResult(string Variant, int Batch, int MiniBatch, double PeakMiB, double ModelMiB, double StepSeconds, double Loss);

    public static TargetResult Run(BenchOptions options)
    {
        var result = new TargetResult("memory", $"4. Memory: cached vs plain MNR at batch {options.MemoryBatch} (float32, SNLI pairs)",
            "peak process memory of cached MNR at batch 512 <= 0.35x that of plain MNR at batch 512 (or plain fails), for <= 1.4x the time.")
        {
            Header = ["loss", "peak RSS (VmHWM)", "RSS after loading the model", "step time (median of 2 after 1 warm-up)", "first-step loss"],
        };
        var plain = RunChildProcess("plain", options, out string? plainError);
        var cached = RunChildProcess("cached", options, out string? cachedError);
        if (plain is not null)
        {
            result.Row("MultipleNegativesRankingLoss", $"{plain.PeakMiB:F0} MiB", $"{plain.ModelMiB:F0} MiB", $"{plain.StepSeconds:F2} s", $"{plain.Loss:F4}");
        }
        else
        {
            result.Row("MultipleNegativesRankingLoss", "failed", "", "", plainError ?? "");
        }

        if (cached is not null)
        {
            result.Row($"Cached MNR (mini-batch {options.MiniBatch})", $"{cached.PeakMiB:F0} MiB", $"{cached.ModelMiB:F0} MiB", $"{cached.StepSeconds:F2} s", $"{cached.Loss:F4}");
        }
        else
        {
            result.Row("Cached MNR", "failed", "", "", cachedError ?? "");
        }

        if (plain is not null && cached is not null)
        {
            double memory = cached.PeakMiB / plain.PeakMiB, time = cached.StepSeconds / plain.StepSeconds;
            result.Verdict($"peak memory cached / plain = {memory:F2}x (target <= 0.35x)", memory <= 0.35);
            result.Verdict($"step time cached / plain = {time:F2}x (target <= 1.4x)", time <= 1.4);
            result.Note("The library's MultipleNegativesRankingLoss and CachedMultipleNegativesRankingLoss (ForwardBackward, as Fit calls it) plus a FusedAdamW step; " +
                        "each in its own process. First-step losses differ only by dropout masks (the two consume random numbers in a different order).");
        }
        else if (plain is null && cached is not null)
        {
            result.Verdict("plain MNR failed at this batch size; cached MNR ran", true);
        }

        return result;
    }

    /// <summary>
    /// In the child process: the library's MultipleNegativesRankingLoss or CachedMultipleNegativesRankingLoss
    /// (ForwardBackward, as Fit calls it) on the first no-duplicates batch of SNLI pairs, then an AdamW step.
    /// </summary>
    public static int RunChild(string variant, BenchOptions options)
    {
        set_num_threads(options.Threads);
        manual_seed(0);
        var pairs = BenchData.SnliEntailmentPairs();
        var examples = pairs.Select(p => new InputExample(p.Anchor, p.Positive)).ToList();
        var batch = new NoDuplicatesDataLoader(examples, options.MemoryBatch, seed: 42).Batches(0).First();
        using var model = BundledMiniLm.Create();
        model.train();
        SentenceTransformerLoss loss = variant == "plain"
            ? new MultipleNegativesRankingLoss(model)
            : new CachedMultipleNegativesRankingLoss(model, miniBatchSize: options.MiniBatch);
        double modelMiB = Measure.RssMiB();
        // After measuring: the moments are allocated and zeroed here, and modelMiB counts the model alone.
        using var optimizer = OptimizerFactory.AdamW(model.named_parameters(), learningRate: 2e-5, kind: OptimizerKind.FusedAdamW);
        var times = new List<double>();
        double firstLoss = 0;
        for (int s = 0; s < Steps; s++)
        {
            long start = Stopwatch.GetTimestamp();
            double value = loss.ForwardBackward(batch);
            optimizer.step();
            optimizer.zero_grad();
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (s == 0)
            {
                firstLoss = value;
            }
            else
            {
                times.Add(seconds);
            }
        }
        var child = new ChildResult(variant, options.MemoryBatch, options.MiniBatch, Measure.PeakRssMiB(), modelMiB, Measure.Median(times), firstLoss);
        Console.WriteLine("RESULT " + JsonSerializer.Serialize(child));
        return 0;
    }

    private static ChildResult? RunChildProcess(string variant, BenchOptions options, out string? error)
    {
        Console.WriteLine($"   {variant} MNR at batch {options.MemoryBatch} (child process) ...");
        var info = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var entry = typeof(MemoryBenchmark).Assembly.Location;
        // Started as `dotnet NotebookSupport.Bench.dll` the host needs the assembly; the apphost (dotnet run) does not.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            info.ArgumentList.Add(entry);
        }

        foreach (var a in new[] { "--memory-child", variant, "--memory-batch", options.MemoryBatch.ToString(CultureInfo.InvariantCulture),
                     "--mini-batch", options.MiniBatch.ToString(CultureInfo.InvariantCulture), "--threads", options.Threads.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the child process.");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var line = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            error = $"exit code {process.ExitCode}: {stderr.Result.Split('\n').FirstOrDefault(l => l.Length > 0)}";
            Console.WriteLine($"   {variant} failed: {error}");
            return null;
        }
        error = null;
        var result = JsonSerializer.Deserialize<ChildResult>(line["RESULT ".Length..]);
        Console.WriteLine($"   {variant}: peak {result!.PeakMiB:F0} MiB, step {result.StepSeconds:F2} s");
        return result;
    }
}
