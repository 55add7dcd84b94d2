using NotebookSupport.Native;

namespace NotebookSupport.Notebooks.Tests;

/// <summary>
/// TorchSharp's native library loads from the build outputs and from a program outside the repository, on this
/// machine's libstdc++, with nothing but the .NET SDK: the build needs neither patchelf nor g++.
/// </summary>
[Collection(NotebookCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class NativeLoadingTests
{
    private static readonly bool _libstdcxxHasVersion = GlibcxxVersionNeed.SystemLibstdcxxHasVersion();

    [Fact]
    public async Task NuGetsFileFailsToLoadExactlyWhereLibstdcxxLacksTheVersion()
    {
        // The reason for all of this, checked by the system's loader rather than by our ELF reader: NuGet's file,
        // beside the libtorch it needs (links into the build output).
        var folder = Directory.CreateTempSubdirectory("nuget-original-").FullName;
        string? error;
        try
        {
            File.Copy(NativeFiles.NuGetLibTorchSharp, Path.Combine(folder, "libLibTorchSharp.so"));
            foreach (var dependency in Directory.GetFiles(NativeFiles.LibraryOutput, "lib*.so*").Where(f => !f.EndsWith("libLibTorchSharp.so", StringComparison.Ordinal)))
            {
                File.CreateSymbolicLink(Path.Combine(folder, Path.GetFileName(dependency)), dependency);
            }

            error = await NativeFiles.DlopenErrorAsync(Path.Combine(folder, "libLibTorchSharp.so"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        if (_libstdcxxHasVersion)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.Contains("version `GLIBCXX_3.4.32' not found", error);
        }
    }

    [Theory]
    [InlineData("libLibTorchSharp.so")]
    [InlineData("runtimes/linux-x64/native/libLibTorchSharp.so")]
    public async Task EveryCopyInTheLibrarysBuildOutputLoads(string relativePath)
    {
        var path = Path.Combine(NativeFiles.LibraryOutput, relativePath);

        Assert.Null(await NativeFiles.DlopenErrorAsync(path));
        Assert.Equal(!_libstdcxxHasVersion, GlibcxxVersionNeed.IsWeak(path));
    }

    [Fact]
    public void PatchChangesOnlyTheFlagOfTheFileItIsGiven()
    {
        var folder = Directory.CreateTempSubdirectory("weak-flag-").FullName;
        try
        {
            var original = Path.Combine(folder, "original.so");
            var linked = Path.Combine(folder, "libLibTorchSharp.so");
            File.Copy(NativeFiles.NuGetLibTorchSharp, original);
            File.Copy(original, linked);
            var mode = File.GetUnixFileMode(linked);
            var before = File.ReadAllBytes(linked);

            Assert.True(GlibcxxVersionNeed.MarkWeak(linked));
            Assert.False(GlibcxxVersionNeed.MarkWeak(linked));

            var after = File.ReadAllBytes(linked);
            var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
            Assert.Single(changed);
            Assert.Equal(before[changed[0]] | 0x2, after[changed[0]]);
            Assert.Equal(File.ReadAllBytes(NativeFiles.NuGetLibTorchSharp), File.ReadAllBytes(original));
            Assert.True(GlibcxxVersionNeed.IsWeak(linked));
            Assert.False(GlibcxxVersionNeed.IsWeak(original));
            Assert.Equal(mode, File.GetUnixFileMode(linked));
            Assert.Equal([Path.GetFileName(linked), Path.GetFileName(original)], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void FileThatIsNotElfIsRefusedByName()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "not a shared library");

            var e = Assert.Throws<InvalidDataException>(() => GlibcxxVersionNeed.MarkWeak(path));

            Assert.Contains(path, e.Message);
            Assert.Equal("not a shared library", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task ProgramOutsideTheRepositoryThatReferencesTheLibraryLoadsTorchSharpWithOnlyTheSdkOnPath()
    {
        var folder = Directory.CreateTempSubdirectory("consumer-").FullName;
        var cache = Path.Combine(folder, "cache");
        try
        {
            // PATH holds dotnet and nothing else: no patchelf, no g++, no bash.
            var bin = Directory.CreateDirectory(Path.Combine(folder, "bin")).FullName;
            File.CreateSymbolicLink(Path.Combine(bin, "dotnet"), Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "/usr/bin/dotnet");
            var project = Path.Combine(RepositoryPaths.Root, "lib", "NotebookSupport", "NotebookSupport.csproj");
            // A file-based app with dotnet's defaults: PublishAot is on, so System.Text.Json's reflection is off
            // (loading the model reads and writes its JSON files through LibraryJson).
            File.WriteAllText(Path.Combine(folder, "Consumer.cs"), $$"""
                #:project {{project}}
                using NotebookSupport.Models;
                using NotebookSupport.Native;
                using TorchSharp;

                var model = SentenceTransformer.Load("bundled:all-MiniLM-L6-v2");
                var embeddings = model.Encode(["A man is eating food.", "A man is eating a meal.", "The stock market fell."]);
                using var e = torch.tensor(embeddings.SelectMany(v => v).ToArray()).reshape(3, -1);
                using var cosine = torch.nn.functional.cosine_similarity(e[0], e[1..], dim: -1);
                var mapped = File.ReadLines("/proc/self/maps").Where(l => l.Contains("libLibTorchSharp")).Select(l => l[l.IndexOf('/')..]).Distinct();
                Console.WriteLine($"cosine {cosine[0].item<float>():0.000} {cosine[1].item<float>():0.000}");
                Console.WriteLine($"patched copy {LibTorchSharpLoader.PatchedCopy ?? "none"}");
                Console.WriteLine($"mapped {string.Join(";", mapped)}");
                """);

            var run = (await ChildProcess.RunAsync(Path.Combine(bin, "dotnet"), ["run", "Consumer.cs"], folder, TimeSpan.FromMinutes(8),
                new Dictionary<string, string?> { ["PATH"] = bin, ["NOTEBOOKSUPPORT_CACHE"] = cache, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" })).Succeeded();

            var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var cosines = lines.Single(l => l.StartsWith("cosine ")).Split(' ')[1..].Select(float.Parse).ToArray();
            Assert.True(cosines[0] > 0.7f && cosines[1] < 0.3f, run.Output);
            var patched = lines.Single(l => l.StartsWith("patched copy ", StringComparison.Ordinal))["patched copy ".Length..];
            var mapped = lines.Single(l => l.StartsWith("mapped ", StringComparison.Ordinal))["mapped ".Length..];
            if (_libstdcxxHasVersion)
            {
                Assert.Equal("none", patched);
            }
            else
            {
                // The program's own copy is NuGet's, unpatched: the library loaded a patched copy from its cache instead.
                Assert.StartsWith(Path.Combine(cache, "native") + "/", patched);
                Assert.Equal(patched, mapped);
                Assert.True(GlibcxxVersionNeed.IsWeak(patched));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
