using System.Net;
using NotebookSupport.Data.Nli;
using NotebookSupport.Hub;
using NotebookSupport.Tests.Data;
using NotebookSupport.Tests.Data.Nli;

namespace NotebookSupport.Tests.Hub;

/// <summary>Downloads from <see cref="LocalHubServer"/>, which answers like the Hugging Face hub's dataset resolve endpoint.</summary>
public sealed class HubDatasetFileTests : IDisposable
{
    private const string Commit = LocalHubServer.Commit;
    private const string SnliTrain = "plain_text/train-00000-of-00001.parquet";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Downloads once (a redirect to the CDN and the file), then serves from the cache.</summary>
    [Fact]
    public async Task DownloadsIntoTheHuggingFaceCacheLayoutOnce()
    {
        await NliFixtures.WriteHfParquetAsync(_temp.File("snli.parquet"), NliFixtures.Rows, withIdx: false);
        var parquet = File.ReadAllBytes(_temp.File("snli.parquet"));
        using var server = new LocalHubServer("stanfordnlp/snli", new Dictionary<string, byte[]> { [SnliTrain] = parquet }, [SnliTrain], HubRepoType.Dataset);
        var cache = _temp.File("hub");

        var snli = NliLoader.LoadHub("stanfordnlp/snli", "plain_text", "train", cacheDirectory: cache, endpoint: server.Endpoint);
        var again = NliLoader.LoadHub("stanfordnlp/snli", "plain_text", "train", cacheDirectory: cache, endpoint: server.Endpoint);

        var repo = Path.Combine(cache, "datasets--stanfordnlp--snli");
        var expected = Path.Combine(repo, "snapshots", Commit, "plain_text", "train-00000-of-00001.parquet");
        Assert.Equal(parquet, File.ReadAllBytes(expected));
        Assert.Equal(Commit, File.ReadAllText(Path.Combine(repo, "refs", "main")));
        Assert.Equal(expected, HubDatasetFile.TryGetCached("stanfordnlp/snli", SnliTrain, cacheDirectory: cache));
        Assert.Equal($"../../../blobs/{LocalHubServer.Etag(parquet)}", new FileInfo(expected).LinkTarget);
        Assert.Equal([$"HEAD /datasets/stanfordnlp/snli/resolve/main/{SnliTrain}", $"GET /cdn/{LocalHubServer.Etag(parquet)}"], server.Requests);
        Assert.Equal("snli", snli.Name);
        Assert.Equal(NliFixtures.Rows.Select(r => r.Hypothesis), again.Rows.Select(r => r.Hypothesis));
        Assert.Empty(Directory.GetFiles(repo, "*.incomplete", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task GlueMnliIsNamedAfterTheConfigAndKeepsIdx()
    {
        await NliFixtures.WriteHfParquetAsync(_temp.File("mnli.parquet"), NliFixtures.Rows, withIdx: true);
        var files = new Dictionary<string, byte[]> { ["mnli/train-00000-of-00001.parquet"] = File.ReadAllBytes(_temp.File("mnli.parquet")) };
        using var server = new LocalHubServer("nyu-mll/glue", files, repoType: HubRepoType.Dataset);

        var mnli = NliLoader.LoadHub("nyu-mll/glue", "mnli", "train", cacheDirectory: _temp.File("hub"), endpoint: server.Endpoint);

        Assert.Equal("mnli", mnli.Name);
        Assert.Equal(["premise", "hypothesis", "label", "idx"], mnli.ColumnNames);
    }

    [Fact]
    public async Task MissingFileIsAnErrorWithTheUrl()
    {
        using var server = new LocalHubServer("stanfordnlp/snli", new Dictionary<string, byte[]>(), repoType: HubRepoType.Dataset);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            HubDatasetFile.DownloadAsync("stanfordnlp/snli", "plain_text/nope.parquet", cacheDirectory: _temp.File("hub"), endpoint: server.Endpoint));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains($"{server.Endpoint}/datasets/stanfordnlp/snli/resolve/main/plain_text/nope.parquet", error.Message);
        Assert.Contains("check the repository id", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_temp.File("hub"), "datasets--stanfordnlp--snli", "snapshots")));
    }

    [Fact]
    public async Task ACommitRevisionIsItsOwnSnapshotFolder()
    {
        using var server = new LocalHubServer("stanfordnlp/snli", new Dictionary<string, byte[]> { ["README.md"] = "card"u8.ToArray() }, repoType: HubRepoType.Dataset);

        var path = await HubDatasetFile.DownloadAsync("stanfordnlp/snli", "README.md", Commit, _temp.File("hub"), server.Endpoint);

        Assert.Equal(Path.Combine(_temp.File("hub"), "datasets--stanfordnlp--snli", "snapshots", Commit, "README.md"), path);
        Assert.Equal("card"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Contains($"HEAD /datasets/stanfordnlp/snli/resolve/{Commit}/README.md", server.Requests);
        Assert.False(Directory.Exists(Path.Combine(_temp.File("hub"), "datasets--stanfordnlp--snli", "refs")));
    }

    [Theory]
    [InlineData("../etc", "passwd", "main")]
    [InlineData("stanfordnlp/snli", "../../x", "main")]
    [InlineData("stanfordnlp/snli", "/etc/passwd", "main")]
    [InlineData("stanfordnlp/snli", "README.md", "../../..")]
    public async Task RejectsPathsThatLeaveTheCache(string repoId, string path, string revision)
    {
        using var server = new LocalHubServer("stanfordnlp/snli", new Dictionary<string, byte[]>(), repoType: HubRepoType.Dataset);

        await Assert.ThrowsAsync<ArgumentException>(() => HubDatasetFile.DownloadAsync(repoId, path, revision, _temp.File("hub"), server.Endpoint));

        Assert.Empty(server.Requests);
        Assert.False(Directory.Exists(_temp.File("hub")));
    }
}
