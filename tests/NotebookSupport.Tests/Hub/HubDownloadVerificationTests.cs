using System.Text;
using NotebookSupport.Hub;
using NotebookSupport.Models;

namespace NotebookSupport.Tests.Hub;

/// <summary>
/// Downloads checked against the hashes the hub announces, against <see cref="LocalHubServer"/> serving a wrong or
/// short body first, as a flaky network or CDN would.
/// </summary>
public sealed class HubDownloadVerificationTests
{
    private const string Repo = "test-org/tiny-bert";
    private const string Weights = "model.safetensors";

    private static byte[] Content(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(i * seed % 251)).ToArray();

    private static byte[] Corrupted(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        copy[copy.Length / 2] ^= 0x40;
        return copy;
    }

    private static string BlobsFolder(TempFolder cache) => cache.Combine("models--test-org--tiny-bert", "blobs");

    [Fact]
    public void ServerHashesAreTheHubsGitBlobIdAndSha256()
    {
        // `printf 'hello\n' | git hash-object --stdin` and `printf 'hello\n' | sha256sum`.
        Assert.Equal("ce013625030ba8dba906f756967f9e9ca394464a", LocalHubServer.GitBlobSha1("hello\n"u8.ToArray()));
        Assert.Equal("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", LocalHubServer.Etag("hello\n"u8.ToArray()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CorruptDownloadIsDetectedAndDownloadedAgain(bool lfs)
    {
        var weights = Content(200_000, 7);
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]> { [Weights] = weights }, lfs ? [Weights] : null);
        server.ServeWrongBody(Weights, dropConnection: false, Corrupted(weights));
        using var cache = new TempFolder();
        var log = new List<string>();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path, log: log.Add);

        var path = downloader.Download(Repo, "main", Weights);

        Assert.Equal(weights, File.ReadAllBytes(path!));
        var expected = lfs ? LocalHubServer.Etag(weights) : LocalHubServer.GitBlobSha1(weights);
        var wrong = lfs ? LocalHubServer.Etag(Corrupted(weights)) : LocalHubServer.GitBlobSha1(Corrupted(weights));
        var note = Assert.Single(log);
        Assert.Contains(Repo, note);
        Assert.Contains(Weights, note);
        Assert.Contains(expected, note);
        Assert.Contains(wrong, note);
        Assert.Equal(2, server.Requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal) && !r.Contains("bytes=", StringComparison.Ordinal)));
        Assert.Equal([expected], Directory.GetFiles(BlobsFolder(cache)).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDownloadIsResumedAndVerified(bool dropConnection)
    {
        var weights = Content(300_000, 11);
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]> { [Weights] = weights }, [Weights]);
        server.ServeWrongBody(Weights, dropConnection, weights[..120_000]);
        using var cache = new TempFolder();
        var log = new List<string>();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path, log: log.Add);

        var path = downloader.Download(Repo, "main", Weights);

        Assert.Equal(weights, File.ReadAllBytes(path!));
        var note = Assert.Single(log);
        Assert.Contains(Weights, note);
        Assert.Contains(dropConnection ? "connection broke" : "ended after 120000 of 300000 bytes", note);
        // The second request asks only for what is missing.
        var gets = server.Requests.Where(r => r.StartsWith("GET", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, gets.Count);
        Assert.Matches($"^GET /cdn/{LocalHubServer.Etag(weights)} bytes=[0-9]+-$", gets[1]);
        Assert.Equal([LocalHubServer.Etag(weights)], Directory.GetFiles(BlobsFolder(cache)).Select(Path.GetFileName));
    }

    [Fact]
    public void PersistentMismatchFailsNamingRepoFileAndBothHashesAndKeepsNothing()
    {
        var weights = Content(100_000, 13);
        var bad = Corrupted(weights);
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]> { [Weights] = weights }, [Weights]);
        server.ServeWrongBody(Weights, dropConnection: false, bad, bad);
        using var cache = new TempFolder();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path, log: _ => { });

        var error = Assert.Throws<InvalidDataException>(() => downloader.Download(Repo, "main", Weights));

        Assert.Contains(Repo, error.Message);
        Assert.Contains(Weights, error.Message);
        Assert.Contains($"SHA-256 {LocalHubServer.Etag(bad)}", error.Message);
        Assert.Contains($"announces {LocalHubServer.Etag(weights)}", error.Message);
        Assert.Empty(Directory.GetFiles(BlobsFolder(cache)));
        Assert.Null(HuggingFaceCache.FindFile(cache.Path, Repo, "main", Weights));

        // The server is right again: the next call downloads the file.
        Assert.Equal(weights, File.ReadAllBytes(downloader.Download(Repo, "main", Weights)!));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void CorruptBlobInTheCacheIsDetectedOnReuse(bool lfs)
    {
        var weights = Content(150_000, 17);
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]> { [Weights] = weights }, lfs ? [Weights] : null);
        using var cache = new TempFolder();
        var log = new List<string>();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path, log: log.Add);
        var path = downloader.Download(Repo, "main", Weights)!;
        var blob = Path.Combine(BlobsFolder(cache), lfs ? LocalHubServer.Etag(weights) : LocalHubServer.GitBlobSha1(weights));
        // Same size, one byte flipped: the old size-only check reused it.
        File.WriteAllBytes(blob, Corrupted(weights));

        var again = downloader.Download(Repo, "main", Weights);

        Assert.Equal(path, again);
        Assert.Equal(weights, File.ReadAllBytes(again!));
        var note = Assert.Single(log);
        Assert.Contains(blob, note);
        Assert.Contains("downloading it again", note);
        Assert.Equal(2, server.Requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal)));
    }

    [Fact]
    public void IntactBlobInTheCacheIsReusedWithoutDownloading()
    {
        var vocab = Encoding.UTF8.GetBytes("[PAD]\n[UNK]\n");
        var weights = Content(50_000, 19);
        using var server = new LocalHubServer(Repo, new Dictionary<string, byte[]> { ["vocab.txt"] = vocab, [Weights] = weights }, [Weights]);
        using var cache = new TempFolder();
        var log = new List<string>();
        using var downloader = new HubDownloader(server.Endpoint, cache.Path, log: log.Add);

        downloader.Download(Repo, "main", "vocab.txt");
        downloader.Download(Repo, "main", Weights);
        downloader.Download(Repo, "main", "vocab.txt");
        downloader.Download(Repo, "main", Weights);

        Assert.Equal(2, server.Requests.Count(r => r.StartsWith("GET", StringComparison.Ordinal)));
        Assert.Empty(log);
    }

    [Fact]
    public void CorruptDownloadOfAModelIsReportedThroughTheLoadOptionsLog()
    {
        using var temp = new TempFolder();
        using var model = TinyBert.Create();
        var saved = temp.Combine("saved");
        SentenceTransformerWriter.Save(model, saved);
        var files = Directory.GetFiles(saved, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(saved, f).Replace('\\', '/'), File.ReadAllBytes);
        using var server = new LocalHubServer(Repo, files, [Weights]);
        server.ServeWrongBody(Weights, dropConnection: false, Corrupted(files[Weights]));
        var log = new List<string>();

        using var loaded = SentenceTransformer.Load(Repo, new ModelLoadOptions
        {
            HubCacheFolder = temp.Combine("hub"),
            CacheFolder = temp.Combine("nbs"),
            Endpoint = server.Endpoint,
            Offline = false,
            Log = log.Add,
        });

        Assert.Contains(log, l => l.Contains(Weights, StringComparison.Ordinal) && l.Contains(LocalHubServer.Etag(files[Weights]), StringComparison.Ordinal));
        Assert.Equal(model.Encode(TinyBert.Sentences), loaded.Encode(TinyBert.Sentences));
    }
}

/// <summary>A model already in the hub cache is checked against its blob names before it is loaded.</summary>
public sealed class CachedHubModelVerificationTests
{
    private const string Repo = "test-org/tiny-bert";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DamagedBlobOfACachedModelIsDownloadedAgainOrRefusedOffline(bool offline)
    {
        using var temp = new TempFolder();
        using var model = TinyBert.Create();
        var saved = temp.Combine("saved");
        SentenceTransformerWriter.Save(model, saved);
        var files = Directory.GetFiles(saved, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(saved, f).Replace('\\', '/'), File.ReadAllBytes);
        using var server = new LocalHubServer(Repo, files, ["model.safetensors"]);
        var log = new List<string>();
        var options = new ModelLoadOptions
        {
            HubCacheFolder = temp.Combine("hub"),
            CacheFolder = temp.Combine("nbs"),
            Endpoint = server.Endpoint,
            Offline = false,
            Log = log.Add,
        };
        using (SentenceTransformer.Load(Repo, options))
        {
        }
        var sha256 = LocalHubServer.Etag(files["model.safetensors"]);
        var blob = temp.Combine("hub", "models--test-org--tiny-bert", "blobs", sha256);
        // A flipped bit deep in the weights: the file still parses, with one wrong weight.
        var bytes = File.ReadAllBytes(blob);
        bytes[^100] ^= 0x08;
        File.WriteAllBytes(blob, bytes);
        log.Clear();

        if (offline)
        {
            var error = Assert.Throws<InvalidDataException>(() => SentenceTransformer.Load(Repo, options with { Offline = true }));
            Assert.Contains(blob, error.Message);
            Assert.Contains(sha256, error.Message);
            Assert.Contains(LocalHubServer.Etag(bytes), error.Message);
            return;
        }
        using var loaded = SentenceTransformer.Load(Repo, options);

        Assert.Contains(log, l => l.Contains(blob, StringComparison.Ordinal) && l.Contains("downloading it again", StringComparison.Ordinal));
        Assert.Equal(files["model.safetensors"], File.ReadAllBytes(blob));
        Assert.Equal(model.Encode(TinyBert.Sentences), loaded.Encode(TinyBert.Sentences));
    }
}
