using System.Net;
using System.Text;
using NotebookSupport.Hub;

namespace NotebookSupport.Tests.Hub;

public sealed class HubDownloaderTests
{
    private const string Repo = "test-org/tiny-bert";

    private sealed class ListProgress : IProgress<DownloadProgress>
    {
        public List<DownloadProgress> Reports { get; } = [];
        public void Report(DownloadProgress value) => Reports.Add(value);
    }

    [Fact]
    public void DownloadsIntoTheHubCacheLayout()
    {
        var config = Encoding.UTF8.GetBytes("{\"hidden_size\": 32}");
        var weights = Enumerable.Range(0, 3_000_000).Select(i => (byte)(i * 7)).ToArray();
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]> { ["config.json"] = config, ["1_Pooling/config.json"] = weights });
        using var cache = new TempFolder();
        var progress = new ListProgress();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path, progress);

        var configPath = downloader.Download(Repo, "main", "config.json");
        var nestedPath = downloader.Download(Repo, "main", "1_Pooling/config.json");

        var repo = cache.Combine("models--test-org--tiny-bert");
        Assert.Equal(Path.Combine(repo, "snapshots", LocalHubServer.Commit, "config.json"), configPath);
        Assert.Equal(config, File.ReadAllBytes(configPath!));
        Assert.Equal(weights, File.ReadAllBytes(nestedPath!));
        Assert.Equal(LocalHubServer.Commit, File.ReadAllText(Path.Combine(repo, "refs", "main")));
        // Small files are named by their git blob id, as the hub's ETag gives it.
        Assert.Equal($"../../blobs/{LocalHubServer.GitBlobSha1(config)}", new FileInfo(configPath!).LinkTarget);
        Assert.Equal($"../../../blobs/{LocalHubServer.GitBlobSha1(weights)}", new FileInfo(nestedPath!).LinkTarget);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(repo, "blobs", LocalHubServer.GitBlobSha1(weights))));
        Assert.Equal(Path.Combine(repo, "snapshots", LocalHubServer.Commit), HuggingFaceCache.FindSnapshot(cache.Path, Repo, "main"));

        var big = progress.Reports.Where(r => r.FileName == "1_Pooling/config.json").ToList();
        Assert.Equal(0, big[0].BytesDownloaded);
        Assert.Equal(weights.Length, big[^1].BytesDownloaded);
        Assert.All(big, r => Assert.Equal(weights.Length, r.TotalBytes));
        Assert.True(big.Count >= 3, "a 3 MB file reports progress at least every MB");
    }

    [Fact]
    public void ResumesAPartialDownloadWithARangeRequest()
    {
        var weights = Enumerable.Range(0, 100_000).Select(i => (byte)(i % 251)).ToArray();
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]> { ["model.safetensors"] = weights });
        using var cache = new TempFolder();
        var blobs = cache.Combine("models--test-org--tiny-bert", "blobs");
        Directory.CreateDirectory(blobs);
        var incomplete = Path.Combine(blobs, LocalHubServer.GitBlobSha1(weights) + ".incomplete");
        File.WriteAllBytes(incomplete, weights[..40_000]);
        var progress = new ListProgress();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path, progress);

        var path = downloader.Download(Repo, "main", "model.safetensors");

        Assert.Equal(weights, File.ReadAllBytes(path!));
        Assert.False(File.Exists(incomplete));
        Assert.Contains($"GET /{Repo}/resolve/main/model.safetensors bytes=40000-", server.Requests);
        Assert.Equal(40_000, progress.Reports[0].BytesDownloaded);
    }

    [Fact]
    public void FollowsTheHubsRedirectForLargeFilesAndNamesTheBlobByTheLinkedEtag()
    {
        var weights = Enumerable.Range(0, 50_000).Select(i => (byte)(i % 13)).ToArray();
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]> { ["model.safetensors"] = weights }, ["model.safetensors"]);
        using var cache = new TempFolder();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path);

        var path = downloader.Download(Repo, "main", "model.safetensors");

        Assert.Equal(weights, File.ReadAllBytes(path!));
        Assert.Equal($"../../blobs/{LocalHubServer.Etag(weights)}", new FileInfo(path!).LinkTarget);
        Assert.Contains($"GET /cdn/{LocalHubServer.Etag(weights)}", server.Requests);
    }

    [Fact]
    public void SendsTheTokenToTheHubButNotToTheCdnItRedirectsTo()
    {
        var weights = Enumerable.Range(0, 20_000).Select(i => (byte)(i % 17)).ToArray();
        var files = new Dictionary<string, byte[]> { ["model.safetensors"] = weights };
        using var cdn = new LocalHubServer(Repo, files);
        using var hub = new LocalHubServer(Repo, files, ["model.safetensors"], cdnEndpoint: cdn.Endpoint);
        using var cache = new TempFolder();
        using var downloader = new HubDownloader(hub.Endpoint, cache.Path, token: "hf_secret");

        var path = downloader.Download(Repo, "main", "model.safetensors");

        Assert.Equal(weights, File.ReadAllBytes(path!));
        Assert.Equal([($"HEAD /{Repo}/resolve/main/model.safetensors", "Bearer hf_secret")], hub.Authorizations);
        Assert.Equal([($"GET /cdn/{LocalHubServer.Etag(weights)}", (string?)null)], cdn.Authorizations);
    }

    [Fact]
    public void DownloadsADatasetFileIntoTheDatasetsFolder()
    {
        var parquet = Encoding.UTF8.GetBytes("PAR1 not really parquet PAR1");
        const string file = "plain_text/train-00000-of-00001.parquet";
        using var server = new LocalHubServer("stanfordnlp/snli", new Dictionary<string, byte[]> { [file] = parquet }, repoType: HubRepoType.Dataset);
        using var cache = new TempFolder();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path);

        var path = downloader.Download("stanfordnlp/snli", "main", file, HubRepoType.Dataset);

        var repo = cache.Combine("datasets--stanfordnlp--snli");
        Assert.Equal(Path.Combine(repo, "snapshots", LocalHubServer.Commit, "plain_text", "train-00000-of-00001.parquet"), path);
        Assert.Equal(parquet, File.ReadAllBytes(path!));
        Assert.Equal(LocalHubServer.Commit, File.ReadAllText(Path.Combine(repo, "refs", "main")));
        Assert.Equal($"{server.Endpoint}/datasets/stanfordnlp/snli/resolve/main/{file}", downloader.FileUrl("stanfordnlp/snli", "main", file, HubRepoType.Dataset));
        Assert.Contains($"GET /datasets/stanfordnlp/snli/resolve/main/{file}", server.Requests);
        Assert.Equal(path, HuggingFaceCache.FindFile(cache.Path, "stanfordnlp/snli", "main", file, HubRepoType.Dataset));
        Assert.False(Directory.Exists(cache.Combine("models--stanfordnlp--snli")));
    }

    [Theory]
    [InlineData("../up", "main", "config.json")]
    [InlineData(Repo, "main", "../../../../outside")]
    [InlineData(Repo, "main", "/etc/passwd")]
    [InlineData(Repo, "main", "a//b")]
    [InlineData(Repo, "main", "a\\..\\..\\b")]
    [InlineData(Repo, "../../x", "config.json")]
    public void RejectsNamesThatLeaveTheCacheWithoutAsking(string repoId, string revision, string fileName)
    {
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]> { ["config.json"] = [1] });
        using var cache = new TempFolder();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path);

        Assert.Throws<ArgumentException>(() => downloader.Download(repoId, revision, fileName));
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void ReusesABlobAlreadyInTheCache()
    {
        var vocab = Encoding.UTF8.GetBytes("[PAD]\n[UNK]\n");
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]> { ["vocab.txt"] = vocab });
        using var cache = new TempFolder();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path);

        downloader.Download(Repo, "main", "vocab.txt");
        downloader.Download(Repo, "main", "vocab.txt");

        Assert.Single(server.Requests, r => r.StartsWith("GET", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingFileIsNullAndRecordedAsAbsent()
    {
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]>());
        using var cache = new TempFolder();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path);

        Assert.Null(downloader.Download(Repo, "main", "modules.json"));
        Assert.True(File.Exists(cache.Combine("models--test-org--tiny-bert", ".no_exist", LocalHubServer.Commit, "modules.json")));
    }

    [Fact]
    public void UnreachableServerThrowsHttpRequestException()
    {
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]>());
        var endpoint = server.Endpoint;
        server.Dispose();
        using var cache = new TempFolder();
        using var downloader = new HubDownloader(endpoint, cache.Path, timeout: TimeSpan.FromSeconds(5));

        Assert.Throws<HttpRequestException>(() => downloader.Download(Repo, "main", "config.json"));
    }

    [Theory]
    [InlineData("bert-base-uncased", true)]
    [InlineData("sentence-transformers/all-MiniLM-L6-v2", true)]
    [InlineData("./models/x", false)]
    [InlineData("/abs/path", false)]
    [InlineData("a/b/c", false)]
    [InlineData("../up", false)]
    public void RecognisesHubIds(string spec, bool expected) => Assert.Equal(expected, HuggingFaceCache.IsRepoId(spec));
}
