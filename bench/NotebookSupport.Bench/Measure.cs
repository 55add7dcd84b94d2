using System.Diagnostics;

namespace NotebookSupport.Bench;

/// <summary>Timing helpers: medians of repeated wall-clock measurements.</summary>
internal static class Measure
{
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Median seconds of <paramref name="reps"/> calls after <paramref name="warmup"/> untimed ones.</summary>
    public static double MedianSeconds(Action action, int reps, int warmup = 3)
    {
        for (int i = 0; i < warmup; i++)
        {
            action();
        }

        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return Median(times);
    }

    /// <summary>Peak resident set size of this process (VmHWM), in MiB.</summary>
    public static double PeakRssMiB() => ReadStatusKiB("VmHWM:") / 1024.0;

    /// <summary>Current resident set size of this process (VmRSS), in MiB.</summary>
    public static double RssMiB() => ReadStatusKiB("VmRSS:") / 1024.0;

    private static long ReadStatusKiB(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                return long.Parse(line[key.Length..].Trim().Split(' ')[0]);
            }
        }

        throw new InvalidOperationException($"/proc/self/status has no {key} line.");
    }
}
