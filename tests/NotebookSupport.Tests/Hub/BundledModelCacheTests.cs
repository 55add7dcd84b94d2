using NotebookSupport.Hub;
using NotebookSupport.Models;

namespace NotebookSupport.Tests.Hub;

public sealed class BundledModelCacheTests
{
    private const string Spec = "bundled:all-MiniLM-L6-v2";
    private const string Marker = ".notebooksupport-complete.json";
    private static readonly string[] _sentences = ["How big is London?", "London has 9,787,426 inhabitants.", "A man is playing guitar."];

    private static void AssertSameEmbeddings(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    [Fact]
    public void BundledModelIsConvertedOnceAndThenLoadedFromTheCacheFolder()
    {
        using var temp = new TempFolder();
        var log = new List<string>();
        var options = new ModelLoadOptions { CacheFolder = temp.Path, Log = log.Add };

        using var converted = SentenceTransformer.Load(Spec, options);
        using var cached = SentenceTransformer.Load(Spec, options);

        Assert.Single(log, l => l.StartsWith("Converted", StringComparison.Ordinal));
        Assert.Single(log);
        var folder = Assert.Single(Directory.GetDirectories(Path.Combine(temp.Path, "bundled")));
        Assert.StartsWith("all-MiniLM-L6-v2-", Path.GetFileName(folder));
        Assert.True(File.Exists(Path.Combine(folder, "model.safetensors")));
        Assert.Equal(256, cached.MaxSeqLength);
        Assert.NotNull(cached.Normalize);
        AssertSameEmbeddings(converted.Encode(_sentences), cached.Encode(_sentences));
    }

    [Fact]
    public void TheMarkerListsEveryFileWithItsSizeAndSha256()
    {
        using var temp = new TempFolder();
        using var model = SentenceTransformer.Load(Spec, new ModelLoadOptions { CacheFolder = temp.Path, Log = _ => { } });
        var folder = Assert.Single(Directory.GetDirectories(Path.Combine(temp.Path, "bundled")));

        var marker = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, Marker)))!["files"]!.AsObject();

        var files = Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace('\\', '/'))
            .Where(f => f != Marker)
            .Order(StringComparer.Ordinal);
        Assert.Equal(files, marker.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Contains("modules.json", files);
        Assert.Contains("model.safetensors", files);
        foreach (var (name, entry) in marker)
        {
            var bytes = File.ReadAllBytes(Path.Combine(folder, name));
            Assert.Equal(bytes.Length, (long)entry!["size"]!);
            Assert.Equal(LocalHubServer.Etag(bytes), (string)entry["sha256"]!);
        }
    }

    [Theory]
    [InlineData("flipped byte", "SHA-256")]
    [InlineData("truncated weights", "bytes")]
    [InlineData("no marker", "no completion marker")]
    [InlineData("half-written folder", "no completion marker")]
    [InlineData("missing file", "missing")]
    public void DamagedCacheIsDetectedAndConvertedAgain(string damage, string expected)
    {
        using var temp = new TempFolder();
        var log = new List<string>();
        var options = new ModelLoadOptions { CacheFolder = temp.Path, Log = log.Add };
        using var converted = SentenceTransformer.Load(Spec, options);
        var folder = Assert.Single(Directory.GetDirectories(Path.Combine(temp.Path, "bundled")));
        var weights = Path.Combine(folder, "model.safetensors");
        switch (damage)
        {
            case "flipped byte":
                // A bit flip in the weights still loads, with wrong embeddings: only the hash can tell.
                using (var stream = new FileStream(weights, FileMode.Open, FileAccess.ReadWrite))
                {
                    stream.Position = stream.Length - 1000;
                    var b = stream.ReadByte();
                    stream.Position = stream.Length - 1000;
                    stream.WriteByte((byte)(b ^ 0x10));
                }
                break;
            case "truncated weights":
                using (var stream = new FileStream(weights, FileMode.Open, FileAccess.ReadWrite))
                {
                    stream.SetLength(stream.Length / 2);
                }
                break;
            case "no marker":
                File.Delete(Path.Combine(folder, Marker));
                break;
            case "half-written folder":
                // What a kill during the old, unmarked conversion left: modules.json, but no weights.
                File.Delete(Path.Combine(folder, Marker));
                File.Delete(weights);
                break;
            default:
                File.Delete(Path.Combine(folder, "vocab.txt"));
                break;
        }
        log.Clear();

        using var repaired = SentenceTransformer.Load(Spec, options);
        using var cached = SentenceTransformer.Load(Spec, options);

        Assert.Equal(2, log.Count);
        Assert.Contains(folder, log[0]);
        Assert.Contains(expected, log[0]);
        Assert.StartsWith("Converted", log[1], StringComparison.Ordinal);
        AssertSameEmbeddings(converted.Encode(_sentences), repaired.Encode(_sentences));
        AssertSameEmbeddings(converted.Encode(_sentences), cached.Encode(_sentences));
        Assert.Equal([folder], Directory.GetFileSystemEntries(Path.Combine(temp.Path, "bundled")));
    }

    [Fact]
    public void BuildingFolderOfADeadProcessIsRemovedAndOneOfALiveProcessIsKept()
    {
        using var temp = new TempFolder();
        var options = new ModelLoadOptions { CacheFolder = temp.Path, Log = _ => { } };
        using (SentenceTransformer.Load(Spec, options))
        {
        }
        var bundled = Path.Combine(temp.Path, "bundled");
        var name = Path.GetFileName(Assert.Single(Directory.GetDirectories(bundled)));
        // No process has a pid this large; this process is alive.
        var dead = Path.Combine(bundled, $".{name}.building-2147483646-0123abcd");
        var deadSaving = Path.Combine(bundled, $"..{name}.building-2147483646-0123abcd.saving-99");
        var live = Path.Combine(bundled, $".{name}.building-{Environment.ProcessId}-4567ef01");
        foreach (var leftover in new[] { dead, deadSaving, live })
        {
            Directory.CreateDirectory(leftover);
            File.WriteAllText(Path.Combine(leftover, "modules.json"), "[]");
        }
        var log = new List<string>();

        using var model = SentenceTransformer.Load(Spec, options with { Log = log.Add });

        Assert.False(Directory.Exists(dead));
        Assert.False(Directory.Exists(deadSaving));
        Assert.True(Directory.Exists(live));
        Assert.Equal(2, log.Count);
        Assert.All(log, l => Assert.Contains("interrupted", l));
        Assert.Contains(log, l => l.Contains(dead, StringComparison.Ordinal));
    }
}
