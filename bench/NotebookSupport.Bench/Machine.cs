using System.Runtime.InteropServices;
using NotebookSupport.Models;

namespace NotebookSupport.Bench;

/// <summary>The machine and software versions the results were measured with.</summary>
internal static class Machine
{
    public static string CpuModel => CpuFeatures.Model ?? "unknown CPU";

    public static string CpuFlags
    {
        get
        {
            string[] wanted = ["avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_tile"];
            return string.Join(" ", wanted.Where(flag => CpuFeatures.Flags?.Contains(flag) == true));
        }
    }

    /// <summary>What the notes of the targets that skip or shorten bfloat16 runs say this CPU lacks.</summary>
    public static string NativeBFloat16 => CpuFeatures.NativeBFloat16Instructions;

    public static string LoadAverage => File.Exists("/proc/loadavg")
        ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3))
        : "n/a";

    public static double LoadAverage1 => double.Parse(LoadAverage.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);

    public static string OperatingSystem
    {
        get
        {
            if (!File.Exists("/etc/os-release"))
            {
                return RuntimeInformation.OSDescription;
            }

            var line = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            return line?["PRETTY_NAME=".Length..].Trim('"') ?? RuntimeInformation.OSDescription;
        }
    }

    /// <summary>
    /// The environment variables of the emulated-AMD configuration (issue 16): MKL's AVX2 kernels and oneDNN without
    /// AMX, set before the process starts; "native" when neither is set.
    /// </summary>
    public static string Configuration
    {
        get
        {
            var set = new[] { "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA" }.Select(v => (v, Value: Environment.GetEnvironmentVariable(v)))
                .Where(e => !string.IsNullOrEmpty(e.Value)).Select(e => $"{e.v}={e.Value}").ToList();
            return set.Count == 0 ? "native" : "emulated AMD: " + string.Join(" ", set);
        }
    }

    /// <summary>A short tag of the CPU class and configuration, so results of several machines live side by side in RESULTS.md.</summary>
    public static string Tag
    {
        get
        {
            var flags = CpuFeatures.Flags ?? new HashSet<string>();
            string isa = flags.Contains("amx_bf16") ? "amx" : flags.Contains("avx512_bf16") ? "avx512-bf16" : flags.Contains("avx512f") ? "avx512" : "avx2";
            string vendor = CpuModel.Contains("AMD", StringComparison.OrdinalIgnoreCase) ? "amd" : CpuModel.Contains("Intel", StringComparison.OrdinalIgnoreCase) ? "intel" : "cpu";
            return $"{vendor}-{isa}-{(Configuration == "native" ? "native" : "emulated-amd")}";
        }
    }

    public static string Describe() =>
        $"{CpuModel} (family {CpuFeatures.Info("cpu family") ?? "?"}, model {CpuFeatures.Info("model") ?? "?"}), {Environment.ProcessorCount} logical CPUs ({CpuFlags}); " +
        $"configuration {Configuration}; {OperatingSystem}; " +
        $".NET {Environment.Version}; TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version} " +
        $"ONNX Runtime {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version}";
}
