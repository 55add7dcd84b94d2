namespace NotebookSupport.Models;

/// <summary>
/// The CPU's instruction-set flags, and what they mean for <see cref="Precision.BFloat16"/>: native bfloat16 matrix
/// instructions (AVX512_BF16, or AMX on recent Intel Xeons), or none, in which case libtorch emulates bfloat16 and it
/// runs several times slower than float32 (measured on an AVX2-only AMD EPYC: encoding STSb dev took 64 s in
/// bfloat16, 7 s in float32). Read from <c>/proc/cpuinfo</c>; unknown elsewhere.
/// </summary>
public static class CpuFeatures
{
    /// <summary>The CPU flags that make bfloat16 matmuls native.</summary>
    public static readonly IReadOnlyList<string> BFloat16Flags = ["avx512_bf16", "amx_bf16"];

    /// <summary>This machine's CPU flags (<c>avx2</c>, <c>avx512f</c>, ...); <c>null</c> when they cannot be read.</summary>
    public static IReadOnlySet<string>? Flags { get; } = File.Exists("/proc/cpuinfo") ? FlagsIn(File.ReadAllText("/proc/cpuinfo")) : null;

    /// <summary>Whether this machine's CPU has native bfloat16 instructions; <c>null</c> when that cannot be read.</summary>
    public static bool? HasNativeBFloat16 => HasNativeBFloat16In(Flags);

    /// <summary>The flags of the first <c>flags</c> line of a <c>/proc/cpuinfo</c> text; <c>null</c> without such a line.</summary>
    public static IReadOnlySet<string>? FlagsIn(string cpuInfo)
    {
        var line = cpuInfo.Split('\n').FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Contains(':'));
        return line?[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Whether <paramref name="flags"/> name one of <see cref="BFloat16Flags"/>; <c>null</c> for unknown flags.</summary>
    public static bool? HasNativeBFloat16In(IReadOnlySet<string>? flags) => flags?.Overlaps(BFloat16Flags);
}
