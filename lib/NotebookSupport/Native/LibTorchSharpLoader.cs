using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NotebookSupport.Hub;
using TorchSharp;

namespace NotebookSupport.Native;

/// <summary>
/// Makes TorchSharp's native library load in any program that uses this library, also where the system libstdc++
/// lacks <see cref="GlibcxxVersionNeed.Version"/> (Debian 12, Ubuntu 22.04). Runs once, when the library is first
/// touched.
/// </summary>
/// <remarks>
/// The repository's own build outputs are patched at build time (build/TorchSharpNatives.targets). A program
/// elsewhere that references this library gets TorchSharp's unpatched file from NuGet instead. For it this class,
/// only when that file fails to load: copies it into the cache folder (<c>$NOTEBOOKSUPPORT_CACHE/native/</c>, by
/// default <c>~/.cache/notebooksupport/native/</c>) under its SHA-256, marks the version need weak there, loads
/// libtorch from where the program has it, then the patched copy, and answers TorchSharp's requests for
/// <c>LibTorchSharp</c> with it. Nothing outside the cache folder is changed.
/// </remarks>
public static class LibTorchSharpLoader
{
    private const string LibraryName = "LibTorchSharp";
    private const string FileName = "libLibTorchSharp.so";
    private static readonly object _gate = new();
    private static IntPtr _handle;

    /// <summary>
    /// The file that was loaded as <c>LibTorchSharp</c>, when this class had to patch a copy; null when TorchSharp
    /// loads its own file as it is.
    /// </summary>
    public static string? PatchedCopy { get; private set; }

    // A failure here must not make every type of the library unusable (a type initializer that throws would), so it
    // is left to TorchSharp to report when it is used; EnsureLoadable() called directly throws with the reason.
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "TorchSharp must be loadable before any of its types is used.")]
    internal static void Initialize()
    {
        try
        {
            EnsureLoadable();
        }
        catch (DllNotFoundException)
        {
        }
    }

    /// <summary>
    /// Makes sure TorchSharp can load its native library; idempotent. Called automatically when this library is first
    /// used; call it yourself only when a program calls TorchSharp before anything of this library.
    /// </summary>
    /// <exception cref="DllNotFoundException">Neither TorchSharp's file nor a patched copy loads; the message says why.</exception>
    public static void EnsureLoadable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        lock (_gate)
        {
            var torchSharp = typeof(torch).Assembly;
            if (_handle != IntPtr.Zero || NativeLibrary.TryLoad(LibraryName, torchSharp, null, out _handle))
            {
                return;
            }

            var original = Locate(FileName, torchSharp)
                ?? throw new DllNotFoundException($"TorchSharp's {FileName} is neither beside {torchSharp.Location}, in its runtimes/linux-x64/native/ folder, nor in a folder of the program's deps.json.");
            try
            {
                var copy = PatchedCopyOf(original);
                foreach (var dependency in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
                {
                    var path = Locate(dependency, torchSharp)
                        ?? throw new DllNotFoundException($"libtorch's {dependency} is neither beside {torchSharp.Location}, in its runtimes/linux-x64/native/ folder, nor in a folder of the program's deps.json.");
                    NativeLibrary.Load(path);
                }
                _handle = NativeLibrary.Load(copy);
                PatchedCopy = copy;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                throw new DllNotFoundException($"{original} does not load, and a patched copy could not be made: {e.Message}", e);
            }
            NativeLibrary.SetDllImportResolver(torchSharp, (name, _, _) => name == LibraryName ? _handle : IntPtr.Zero);
        }
    }

    // The first of: the folders the host resolves native assets from (its deps.json), the assembly's folder and its
    // runtimes/linux-x64/native/ folder, where builds put them.
    private static string? Locate(string fileName, Assembly torchSharp)
    {
        var assemblyFolder = Path.GetDirectoryName(torchSharp.Location) ?? "";
        string[] folders =
        [
            .. (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries),
            assemblyFolder,
            Path.Combine(assemblyFolder, "runtimes", "linux-x64", "native"),
        ];
        return folders.Select(folder => Path.Combine(folder, fileName)).FirstOrDefault(File.Exists);
    }

    private static string PatchedCopyOf(string original)
    {
        var folder = Path.Combine(new ModelLoadOptions().ResolveCacheFolder(), "native", BlobHash.Sha256(original));
        var copy = Path.Combine(folder, FileName);
        if (File.Exists(copy) && GlibcxxVersionNeed.IsWeak(copy))
        {
            return copy;
        }

        Directory.CreateDirectory(folder);
        // Patched beside its final name and renamed into place, so a crash never leaves a half-written copy there.
        var staging = Path.Combine(folder, $".{FileName}.{Environment.ProcessId}.{Guid.NewGuid():N}");
        try
        {
            File.Copy(original, staging);
            GlibcxxVersionNeed.MarkWeak(staging);
            File.Move(staging, copy, overwrite: true);
        }
        finally
        {
            File.Delete(staging);
        }
        return copy;
    }
}
