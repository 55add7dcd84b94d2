using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace NotebookSupport.Models;

/// <summary>
/// Sets libtorch's intra-op thread count for the calling thread only. <c>torch.set_num_threads</c> cannot do that: besides
/// the calling thread's OpenMP and MKL counts it stores the process default that every thread started later takes (and
/// resizes the shared pthreadpool), so a worker calling it would change what other threads see while it runs. This
/// calls the per-thread entry points themselves: OpenMP's <c>omp_set_num_threads</c> (a per-thread setting) and MKL's
/// <c>MKL_Set_Num_Threads_Local</c>, found in the libraries libtorch has loaded.
/// </summary>
internal static unsafe class IntraOpThreads
{
    // torch_cpu exports MKL's entry points (linked into it) and, on Linux and macOS, resolves OpenMP's through its
    // dependencies; on Windows OpenMP lives in its own DLL.
    private static readonly string[] _libraries =
        OperatingSystem.IsWindows() ? ["torch_cpu.dll", "libiomp5md.dll"]
        : OperatingSystem.IsMacOS() ? ["libtorch_cpu.dylib", "libomp.dylib"]
        : ["libtorch_cpu.so"];

    private static readonly Lazy<(nint Omp, nint Mkl)> _entryPoints = new(Resolve);

    /// <summary>True when this platform's libtorch lets <see cref="SetForCurrentThread"/> work.</summary>
    public static bool PerThreadSupported => _entryPoints.Value.Omp != 0;

    /// <summary>
    /// Makes the calling thread's libtorch operations use <paramref name="threads"/> intra-op threads, without touching
    /// any other thread or the default for new threads.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">See <see cref="PerThreadSupported"/>.</exception>
    public static void SetForCurrentThread(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var (omp, mkl) = _entryPoints.Value;
        if (omp == 0)
        {
            throw new PlatformNotSupportedException($"omp_set_num_threads was not found in {string.Join(" or ", _libraries)}.");
        }
        // libtorch initialises a thread's counts from the process default on its first parallel operation; done now,
        // it cannot later undo the setting below. (After a torch.set_num_threads, that initialisation re-applies the
        // same process value, so nothing another thread sees changes.)
        get_num_threads();
        ((delegate* unmanaged<int, void>)omp)(threads);
        if (mkl != 0)
        {
            ((delegate* unmanaged<int, int>)mkl)(threads);
        }
    }

    private static (nint Omp, nint Mkl) Resolve()
    {
        get_num_threads();  // loads libtorch
        nint omp = 0, mkl = 0;
        foreach (var library in _libraries)
        {
            var handle = AlreadyLoaded(library);
            if (handle == 0)
            {
                continue;
            }

            if (omp == 0 && NativeLibrary.TryGetExport(handle, "omp_set_num_threads", out var o))
            {
                omp = o;
            }
            // The C entry point; the lower-case mkl_set_num_threads_local beside it is Fortran's and takes a pointer.
            if (mkl == 0 && NativeLibrary.TryGetExport(handle, "MKL_Set_Num_Threads_Local", out var m))
            {
                mkl = m;
            }
        }
        return (omp, mkl);
    }

    // The copy libtorch already uses, never a second one: loading libtorch_cpu again from another folder would run its
    // static initialisers twice, and another OpenMP runtime would not be the one libtorch asks.
    private static nint AlreadyLoaded(string library)
    {
        if (OperatingSystem.IsWindows())
        {
            if (!NativeLibrary.TryLoad("kernel32.dll", out var kernel32) || !NativeLibrary.TryGetExport(kernel32, "GetModuleHandleW", out var getModule))
            {
                return 0;
            }

            fixed (char* wide = library)
            {
                return ((delegate* unmanaged<char*, nint>)getModule)(wide);
            }
        }
        const int Lazy = 1;
        int noLoad = OperatingSystem.IsMacOS() ? 0x10 : 4;
        var libdl = OperatingSystem.IsMacOS() ? "libSystem.dylib" : "libdl.so.2";
        if (!NativeLibrary.TryLoad(libdl, out var dl) || !NativeLibrary.TryGetExport(dl, "dlopen", out var dlopen))
        {
            return 0;
        }

        var name = Marshal.StringToCoTaskMemUTF8(library);
        try
        {
            return ((delegate* unmanaged<nint, int, nint>)dlopen)(name, Lazy | noLoad);
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
        }
    }
}
