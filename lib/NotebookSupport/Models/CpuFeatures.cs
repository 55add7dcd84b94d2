namespace NotebookSupport.Models;

/// <summary>
/// What the CPU offers <see cref="Precision.BFloat16"/>: native bfloat16 matrix instructions (AVX512_BF16, or AMX on
/// recent Intel Xeons), or none, in which case libtorch emulates bfloat16 and it runs several times slower than
/// float32 (measured on an AVX2-only AMD EPYC: encoding STSb dev took 64 s in bfloat16, 7 s in float32).
/// Read from <c>/proc/cpuinfo</c>; unknown elsewhere.
/// </summary>
public static class CpuFeatures
{
    /// <summary>The CPU flags that make bfloat16 matmuls native.</summary>
    public static readonly IReadOnlyList<string> BFloat16Flags = ["avx512_bf16", "amx_bf16"];

    /// <summary>Whether this machine's CPU has native bfloat16 instructions; <c>null</c> when that cannot be read.</summary>
    public static bool? HasNativeBFloat16 { get; } = File.Exists("/proc/cpuinfo") ? HasNativeBFloat16In(File.ReadAllText("/proc/cpuinfo")) : null;

    /// <summary>Whether the first <c>flags</c> line of a <c>/proc/cpuinfo</c> text names one of <see cref="BFloat16Flags"/>; <c>null</c> without such a line.</summary>
    public static bool? HasNativeBFloat16In(string cpuInfo)
    {
        var line = cpuInfo.Split('\n').FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Contains(':'));
        if (line is null)
        {
            return null;
        }
        var flags = line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return flags.Any(BFloat16Flags.Contains);
    }
}
