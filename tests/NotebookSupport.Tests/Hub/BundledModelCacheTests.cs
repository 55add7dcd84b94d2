using NotebookSupport.Hub;

namespace NotebookSupport.Tests.Hub;

public sealed class BundledModelCacheTests
{
    [Fact]
    public void BundledModelIsConvertedOnceAndThenLoadedFromTheCacheFolder()
    {
        using var temp = new TempFolder();
        var log = new List<string>();
        var options = new ModelLoadOptions { CacheFolder = temp.Path, Log = log.Add };
        string[] sentences = ["How big is London?", "London has 9,787,426 inhabitants.", "A man is playing guitar."];

        using var converted = ModelLoader.Load("bundled:all-MiniLM-L6-v2", options);
        using var cached = ModelLoader.Load("bundled:all-MiniLM-L6-v2", options);

        Assert.Single(log, l => l.StartsWith("Converted", StringComparison.Ordinal));
        var folder = Assert.Single(Directory.GetDirectories(Path.Combine(temp.Path, "bundled")));
        Assert.StartsWith("all-MiniLM-L6-v2-", Path.GetFileName(folder));
        Assert.True(File.Exists(Path.Combine(folder, "model.safetensors")));
        Assert.Equal(256, cached.MaxSeqLength);
        Assert.NotNull(cached.Normalize);
        var expected = converted.Encode(sentences);
        var actual = cached.Encode(sentences);
        for (int i = 0; i < sentences.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }
}
