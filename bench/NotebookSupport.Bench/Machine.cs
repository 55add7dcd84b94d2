using System.Runtime.InteropServices;

namespace NotebookSupport.Bench;

/// <summary>The machine and software versions the results were measured with.</summary>
internal static class Machine
{
    public static string CpuModel => CpuInfo("model name") ?? "unknown CPU";

    public static string CpuFlags
    {
        get
        {
            string[] wanted = ["avx2", "fma", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_tile"];
            return string.Join(" ", wanted.Where(flag => NotebookSupport.Models.CpuFeatures.Flags?.Contains(flag) == true));
        }
    }

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

    public static string Describe() =>
        $"{CpuModel}, {Environment.ProcessorCount} logical CPUs ({CpuFlags}); {OperatingSystem}; " +
        $".NET {Environment.Version}; TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version} " +
        $"ONNX Runtime {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version}";

    private static string? CpuInfo(string key)
    {
        if (!File.Exists("/proc/cpuinfo"))
        {
            return null;
        }

        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line?[(line.IndexOf(':') + 1)..].Trim();
    }
}
