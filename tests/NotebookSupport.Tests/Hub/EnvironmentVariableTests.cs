using NotebookSupport.Hub;
using NotebookSupport.Models;

namespace NotebookSupport.Tests.Hub;

/// <summary>Tests that change process-wide environment variables run alone, after every parallel test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "Process environment";
}

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class EnvironmentVariableTests
{
    private static readonly string[] _variables =
        ["HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME", "HF_HUB_OFFLINE", "HF_ENDPOINT", "NOTEBOOKSUPPORT_CACHE"];

    private static void WithCleanEnvironment(Action test)
    {
        var saved = _variables.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            foreach (var name in _variables)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
            test();
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    private static string Home => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    [Fact]
    public void HubCacheFolderFollowsHuggingFaceVariablesInOrder() => WithCleanEnvironment(() =>
    {
        Assert.Equal(Path.Combine(Home, ".cache", "huggingface", "hub"), HuggingFaceCache.DefaultFolder());
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/x");
        Assert.Equal("/x/huggingface/hub", HuggingFaceCache.DefaultFolder());
        Environment.SetEnvironmentVariable("HF_HOME", "~/hf");
        Assert.Equal(Path.Combine(Home, "hf", "hub"), HuggingFaceCache.DefaultFolder());
        Environment.SetEnvironmentVariable("HUGGINGFACE_HUB_CACHE", "/legacy");
        Assert.Equal("/legacy", HuggingFaceCache.DefaultFolder());
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", "/c");
        Assert.Equal("/c", HuggingFaceCache.DefaultFolder());
    });

    [Fact]
    public void EndpointFollowsHfEndpoint() => WithCleanEnvironment(() =>
    {
        Assert.Equal("https://huggingface.co", HubDownloader.DefaultEndpoint());
        Environment.SetEnvironmentVariable("HF_ENDPOINT", "http://127.0.0.1:9");
        using var downloader = new HubDownloader();
        Assert.Equal("http://127.0.0.1:9/org/name/resolve/main/config.json", downloader.FileUrl("org/name", "main", "config.json"));
    });

    [Fact]
    public void OfflineVariableKeepsLoadsOffTheNetwork() => WithCleanEnvironment(() =>
    {
        using var temp = new TempFolder();
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", temp.Path);
        Environment.SetEnvironmentVariable("HF_HUB_OFFLINE", "1");
        Environment.SetEnvironmentVariable("HF_ENDPOINT", "http://127.0.0.1:9");

        var error = Assert.Throws<ModelNotFoundException>(() => SentenceTransformer.Load("org/never-downloaded", new ModelLoadOptions { Log = _ => { } }));

        Assert.Contains("offline", error.Message);
        Assert.Contains(Path.Combine(temp.Path, "models--org--never-downloaded"), error.Message);
        Assert.DoesNotContain("127.0.0.1:9", error.Message);
    });

    [Fact]
    public void BundledCacheFollowsNotebookSupportCache() => WithCleanEnvironment(() =>
    {
        Assert.Equal(Path.Combine(Home, ".cache", "notebooksupport"), new ModelLoadOptions().ResolveCacheFolder());
        Environment.SetEnvironmentVariable("NOTEBOOKSUPPORT_CACHE", "/some/cache");
        Assert.Equal("/some/cache", new ModelLoadOptions().ResolveCacheFolder());
        Assert.Equal("/explicit", new ModelLoadOptions { CacheFolder = "/explicit" }.ResolveCacheFolder());
    });
}
