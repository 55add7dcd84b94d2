using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using NotebookSupport.Data;

namespace NotebookSupport.Tests.Data;

/// <summary>Downloads from a local HTTP server on 127.0.0.1 that answers like the Hugging Face hub's resolve endpoint.</summary>
public sealed class HubDatasetFileTests : IDisposable
{
    private const string Commit = "cdb5c3d5eed6ead6e5a341c8e56e669bb666725b";
    private readonly TempDirectory _temp = new();
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly Dictionary<string, byte[]> _files = [];
    private readonly string _endpoint;

    public HubDatasetFileTests()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(_endpoint + "/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public void Dispose()
    {
        _listener.Close();
        _temp.Dispose();
    }

    [Fact]
    public async Task DownloadsIntoTheHuggingFaceCacheLayoutOnce()
    {
        await NliFixtures.WriteHfParquetAsync(_temp.File("snli.parquet"), NliFixtures.Rows, withIdx: false);
        _files["/datasets/stanfordnlp/snli/resolve/main/plain_text/train-00000-of-00001.parquet"] = File.ReadAllBytes(_temp.File("snli.parquet"));
        var cache = _temp.File("hub");

        var snli = NliLoader.LoadHub("stanfordnlp/snli", "plain_text", "train", cacheDirectory: cache, endpoint: _endpoint);
        var again = NliLoader.LoadHub("stanfordnlp/snli", "plain_text", "train", cacheDirectory: cache, endpoint: _endpoint);

        var expected = Path.Combine(cache, "datasets--stanfordnlp--snli", "snapshots", Commit, "plain_text", "train-00000-of-00001.parquet");
        Assert.Equal(File.ReadAllBytes(_temp.File("snli.parquet")), File.ReadAllBytes(expected));
        Assert.Equal(Commit, File.ReadAllText(Path.Combine(cache, "datasets--stanfordnlp--snli", "refs", "main")));
        Assert.Equal(expected, HubDatasetFile.TryGetCached("stanfordnlp/snli", "plain_text/train-00000-of-00001.parquet", cacheDirectory: cache));
        Assert.Single(_requests);
        Assert.Equal("snli", snli.Name);
        Assert.Equal(NliFixtures.Rows.Select(r => r.Hypothesis), again.Rows.Select(r => r.Hypothesis));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(expected)!, "*.incomplete"));
    }

    [Fact]
    public async Task GlueMnliIsNamedAfterTheConfigAndKeepsIdx()
    {
        await NliFixtures.WriteHfParquetAsync(_temp.File("mnli.parquet"), NliFixtures.Rows, withIdx: true);
        _files["/datasets/nyu-mll/glue/resolve/main/mnli/train-00000-of-00001.parquet"] = File.ReadAllBytes(_temp.File("mnli.parquet"));

        var mnli = NliLoader.LoadHub("nyu-mll/glue", "mnli", "train", cacheDirectory: _temp.File("hub"), endpoint: _endpoint);

        Assert.Equal("mnli", mnli.Name);
        Assert.Equal(["premise", "hypothesis", "label", "idx"], mnli.ColumnNames);
    }

    [Fact]
    public async Task MissingFileIsAnErrorWithTheUrl()
    {
        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            HubDatasetFile.DownloadAsync("stanfordnlp/snli", "plain_text/nope.parquet", cacheDirectory: _temp.File("hub"), endpoint: _endpoint));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains($"{_endpoint}/datasets/stanfordnlp/snli/resolve/main/plain_text/nope.parquet", error.Message);
        Assert.Contains("check the repository id", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_temp.File("hub"), "datasets--stanfordnlp--snli", "snapshots")));
    }

    [Fact]
    public async Task ACommitRevisionIsItsOwnSnapshotFolder()
    {
        _files[$"/datasets/stanfordnlp/snli/resolve/{Commit}/README.md"] = "card"u8.ToArray();

        var path = await HubDatasetFile.DownloadAsync("stanfordnlp/snli", "README.md", Commit, _temp.File("hub"), _endpoint);

        Assert.Equal(Path.Combine(_temp.File("hub"), "datasets--stanfordnlp--snli", "snapshots", Commit, "README.md"), path);
        Assert.False(Directory.Exists(Path.Combine(_temp.File("hub"), "datasets--stanfordnlp--snli", "refs")));
    }

    [Fact]
    public Task RejectsSomethingThatIsNotARepoId() =>
        Assert.ThrowsAsync<ArgumentException>(() => HubDatasetFile.DownloadAsync("../etc", "passwd", cacheDirectory: _temp.File("hub"), endpoint: _endpoint));

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath;
            _requests.Enqueue(path);
            if (_files.TryGetValue(path, out var body))
            {
                context.Response.Headers["X-Repo-Commit"] = Commit;
                context.Response.ContentLength64 = body.Length;
                await context.Response.OutputStream.WriteAsync(body);
            }
            else
            {
                context.Response.StatusCode = 404;
            }

            context.Response.Close();
        }
    }
}
