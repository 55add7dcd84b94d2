namespace NotebookSupport.Notebooks.Tests;

/// <summary>Where TorchSharp's native library is: as NuGet ships it, and in the build outputs.</summary>
internal static class NativeFiles
{
    /// <summary>TorchSharp's libLibTorchSharp.so in the NuGet cache, never changed by the build.</summary>
    public static string NuGetLibTorchSharp { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
            ? packages
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>The library's build output, the folder the notebooks' #r line points at.</summary>
    public static string LibraryOutput { get; } = Path.Combine(RepositoryPaths.Root, "lib", "NotebookSupport", "bin", "Debug", "net10.0");

    /// <summary>
    /// Loads <paramref name="path"/> with dlopen in a separate process (Debian's python3 and ctypes), and returns
    /// dlerror's message, or null when it loaded.
    /// </summary>
    public static async Task<string?> DlopenErrorAsync(string path)
    {
        var process = await ChildProcess.RunAsync("/usr/bin/python3",
            ["-c", "import ctypes, sys\ntry:\n    ctypes.CDLL(sys.argv[1])\nexcept OSError as e:\n    print(e)\n", path],
            Path.GetTempPath(), TimeSpan.FromMinutes(1));
        process.Succeeded();
        return process.Output.Trim() is { Length: > 0 } error ? error : null;
    }
}
