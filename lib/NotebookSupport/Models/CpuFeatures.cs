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

    /// <summary>What a CPU without native bfloat16 lacks, for messages: "native bfloat16 instructions (avx512_bf16 or amx_bf16)".</summary>
    public static string NativeBFloat16Instructions => $"native bfloat16 instructions ({string.Join(" or ", BFloat16Flags)})";

    private static readonly string? _cpuInfo = File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : null;

    /// <summary>This machine's CPU flags (<c>avx2</c>, <c>avx512f</c>, ...); <c>null</c> when they cannot be read.</summary>
    public static IReadOnlySet<string>? Flags { get; } = _cpuInfo is null ? null : FlagsIn(_cpuInfo);

    /// <summary>The processor's name (<c>model name</c>, e.g. "AMD EPYC"); <c>null</c> when it cannot be read.</summary>
    public static string? Model => _cpuInfo is null ? null : ModelIn(_cpuInfo);

    /// <summary>A field of this machine's <c>/proc/cpuinfo</c> for its first processor (<c>cpu family</c>, <c>model</c>, ...); <c>null</c> when it cannot be read.</summary>
    public static string? Info(string key) => _cpuInfo is null ? null : Field(_cpuInfo, key);

    /// <summary>Whether this machine's CPU has native bfloat16 instructions; <c>null</c> when that cannot be read.</summary>
    public static bool? HasNativeBFloat16 => HasNativeBFloat16In(Flags);

    /// <summary>The flags of the first <c>flags</c> line of a <c>/proc/cpuinfo</c> text; <c>null</c> without such a line.</summary>
    public static IReadOnlySet<string>? FlagsIn(string cpuInfo) =>
        Field(cpuInfo, "flags")?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    /// <summary>The processor's name in a <c>/proc/cpuinfo</c> text (its first <c>model name</c> line); <c>null</c> without one.</summary>
    public static string? ModelIn(string cpuInfo) => Field(cpuInfo, "model name");

    /// <summary>Whether <paramref name="flags"/> name one of <see cref="BFloat16Flags"/>; <c>null</c> for unknown flags.</summary>
    public static bool? HasNativeBFloat16In(IReadOnlySet<string>? flags) => flags?.Overlaps(BFloat16Flags);

    // The value of the first "key<whitespace>: value" line (the first processor's).
    private static string? Field(string cpuInfo, string key)
    {
        var line = cpuInfo.Split('\n').FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal) && l.Contains(':') && l[..l.IndexOf(':')].Trim() == key);
        return line?[(line.IndexOf(':') + 1)..].Trim();
    }
}
