using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace NotebookSupport.Hub;

/// <summary>
/// Downloads files of a model or dataset repository from the Hugging Face hub
/// (<c>{endpoint}/{repo}/resolve/{revision}/{file}</c>, <c>{endpoint}/datasets/{repo}/resolve/...</c> for datasets)
/// into the <see cref="HuggingFaceCache"/> layout, as <c>huggingface_hub.hf_hub_download</c> does: the content goes to
/// <c>blobs/{etag}</c>, the snapshot entry <c>snapshots/{commit}/{file}</c> links to it, and <c>refs/{revision}</c>
/// records the commit. Interrupted downloads stay in <c>blobs/{etag}.incomplete</c> and are resumed with an HTTP
/// <c>Range</c> request. The token goes to the hub only, never to the host a redirect leads to (the CDN).
/// </summary>
/// <remarks>
/// Every blob is checked against the hash its ETag names (<see cref="BlobHash"/>: SHA-256 for large files, the git
/// blob id for small ones) before it gets its final name, and a blob already in the cache is checked again before it
/// is reused. A download that is short or does not match is fetched once more (resumed when short, from scratch when
/// wrong), with a note to the log; a second failure throws, naming the repository, the file and both hashes. The
/// blob is flushed to disk before it is renamed into place, so a crash leaves at most an <c>.incomplete</c> file.
/// </remarks>
/// <remarks>
/// <code>
/// using var hub = new HubDownloader();
/// var config = hub.Download("sentence-transformers/all-MiniLM-L6-v2", "main", "config.json");
/// var snli = hub.Download("stanfordnlp/snli", "main", "plain_text/train-00000-of-00001.parquet", HubRepoType.Dataset);
/// </code>
/// </remarks>
public sealed partial class HubDownloader : IDisposable
{
    private const int MaxRedirects = 10;
    private readonly HttpClient _client;
    private readonly string _endpoint;
    private readonly string _cacheFolder;
    private readonly IProgress<DownloadProgress>? _progress;
    private readonly string? _token;
    private readonly Action<string> _log;

    /// <param name="endpoint">Hub base URL; null means <c>$HF_ENDPOINT</c> or <c>https://huggingface.co</c>.</param>
    /// <param name="cacheFolder">Hub cache folder; null means <see cref="HuggingFaceCache.DefaultFolder"/>.</param>
    /// <param name="progress">Receives byte counts while files download.</param>
    /// <param name="timeout">Timeout of each HTTP request; default 100 s.</param>
    /// <param name="token">Access token for private or gated repositories; null means <c>$HF_TOKEN</c>.</param>
    /// <param name="log">Receives notes about blobs found corrupt and fetched again; null writes them to standard error.</param>
    public HubDownloader(
        string? endpoint = null,
        string? cacheFolder = null,
        IProgress<DownloadProgress>? progress = null,
        TimeSpan? timeout = null,
        string? token = null,
        Action<string>? log = null)
    {
        _log = log ?? Console.Error.WriteLine;
        _endpoint = (endpoint ?? DefaultEndpoint()).TrimEnd('/');
        _cacheFolder = cacheFolder ?? HuggingFaceCache.DefaultFolder();
        _progress = progress;
        _token = token ?? HuggingFaceCache.Env("HF_TOKEN");
        // Redirects are followed by hand: the hub's first answer carries the commit and ETag headers, the CDN's does not.
        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("NotebookSupport", "1.0"));
    }

    /// <summary><c>$HF_ENDPOINT</c>, or <c>https://huggingface.co</c>.</summary>
    public static string DefaultEndpoint() => HuggingFaceCache.Env("HF_ENDPOINT") ?? "https://huggingface.co";

    /// <summary>The URL a file is fetched from.</summary>
    public string FileUrl(string repoId, string revision, string fileName, HubRepoType repoType = HubRepoType.Model) =>
        $"{_endpoint}/{(repoType == HubRepoType.Dataset ? "datasets/" : "")}{repoId}/resolve/{Uri.EscapeDataString(revision)}/"
        + string.Join('/', fileName.Split('/').Select(Uri.EscapeDataString));

    /// <summary>
    /// Downloads one file into the cache (or reuses the blob already there) and returns its path inside the snapshot
    /// folder, or null when the hub answers 404 (the file does not exist in that repository).
    /// </summary>
    /// <param name="repoId">E.g. <c>sentence-transformers/all-MiniLM-L6-v2</c> or <c>stanfordnlp/snli</c>.</param>
    /// <param name="revision">Branch, tag or commit hash.</param>
    /// <param name="fileName">Path inside the repository, <c>/</c>-separated: <c>1_Pooling/config.json</c>.</param>
    /// <param name="repoType">Model or dataset repository.</param>
    /// <param name="cancellationToken">Stops the download; what arrived stays in the <c>.incomplete</c> file for the next call.</param>
    /// <exception cref="ArgumentException">A repository id, revision or file name that would lead outside the cache.</exception>
    /// <exception cref="HttpRequestException">The server is unreachable, or refuses (401/403: missing or gated repository).</exception>
    /// <exception cref="InvalidDataException">
    /// Twice in a row, the download ended short of the announced size, or its content did not match the hash the hub announced.
    /// </exception>
    public string? Download(
        string repoId,
        string revision,
        string fileName,
        HubRepoType repoType = HubRepoType.Model,
        CancellationToken cancellationToken = default)
    {
        if (!HuggingFaceCache.IsRepoId(repoId))
        {
            throw new ArgumentException($"'{repoId}' is not a hub repository id like 'org/name'.", nameof(repoId));
        }
        if (!HuggingFaceCache.IsRepoPath(revision))
        {
            throw new ArgumentException($"Revision '{revision}' must be a branch, tag or commit, not a path leaving the cache.", nameof(revision));
        }
        if (!HuggingFaceCache.IsRepoPath(fileName))
        {
            throw new ArgumentException($"'{fileName}' must be a relative path inside repository '{repoId}'.", nameof(fileName));
        }

        var url = FileUrl(repoId, revision, fileName, repoType);
        var repo = HuggingFaceCache.RepoFolder(_cacheFolder, repoId, repoType);
        using var head = Send(HttpMethod.Head, url, rangeStart: 0, followRedirects: false, cancellationToken);
        if (head.StatusCode == HttpStatusCode.NotFound)
        {
            MarkMissing(repo, Commit(head), fileName);
            return null;
        }
        var downloadUrl = url;
        if (IsRedirect(head.StatusCode))
        {
            downloadUrl = new Uri(new Uri(url), head.Headers.Location!).ToString();
        }
        else
        {
            EnsureSuccess(head, url);
        }

        var commit = Commit(head) ?? revision;
        // A redirect's own Content-Length is that of its (empty) body; the file size then comes only from X-Linked-Size.
        long? size = long.TryParse(Header(head, "X-Linked-Size"), out var linked) ? linked
            : IsRedirect(head.StatusCode) ? null : head.Content.Headers.ContentLength;
        var etag = NormalizeEtag(Header(head, "X-Linked-Etag") ?? head.Headers.ETag?.Tag)
                   ?? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{repoId}/{commit}/{fileName}")));

        var blob = Path.Combine(repo, "blobs", etag);
        var hash = BlobHash.FromEtag(etag);
        if (File.Exists(blob) && !IsReusable(blob, size, hash, repoId, fileName))
        {
            File.Delete(blob);
        }
        if (!File.Exists(blob))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            DownloadBlob(downloadUrl, blob, size, hash, repoId, fileName, cancellationToken);
        }

        var pointer = Path.Combine(repo, "snapshots", commit, fileName);
        LinkIntoSnapshot(blob, pointer);
        if (!string.Equals(commit, revision, StringComparison.Ordinal))
        {
            DurableFile.WriteAllText(Path.Combine(repo, "refs", revision), commit);
        }
        return pointer;
    }

    /// <summary>
    /// A cached blob is reused only when it has the announced size and, where the ETag names a hash, that hash: a
    /// blob damaged on disk, or left by an older version of this class that did not check, is fetched again.
    /// </summary>
    private bool IsReusable(string blob, long? size, BlobHash? hash, string repoId, string fileName)
    {
        if (size is { } expected && new FileInfo(blob).Length != expected)
        {
            _log($"{repoId}: the cached {fileName} ('{blob}') has {new FileInfo(blob).Length} bytes, the hub announces {expected}; downloading it again.");
            return false;
        }
        if (hash is not null && hash.Compute(blob) is var actual && actual != hash.Expected)
        {
            _log($"{repoId}: the cached {fileName} ('{blob}') has {hash.Algorithm} {actual}, the hub announces {hash.Expected}; downloading it again.");
            return false;
        }
        return true;
    }

    /// <summary>
    /// Fetches the blob into <c>.incomplete</c>, checks its size and hash, flushes it to disk and only then renames it
    /// to <paramref name="blob"/>. One failed check gets one more try; the second failure throws.
    /// </summary>
    private void DownloadBlob(string url, string blob, long? size, BlobHash? hash, string repoId, string fileName, CancellationToken cancellationToken)
    {
        var incomplete = blob + ".incomplete";
        for (int attempt = 1; ; attempt++)
        {
            var problem = DownloadOnce(url, incomplete, size, hash, repoId, fileName, cancellationToken);
            if (problem is null)
            {
                File.Move(incomplete, blob, overwrite: true);
                DurableFile.FlushFolder(Path.GetDirectoryName(blob)!);
                return;
            }
            if (attempt == 2)
            {
                throw new InvalidDataException($"{repoId}: {fileName} from {url}: {problem} (second attempt); giving up.");
            }
            _log($"{repoId}: {fileName} from {url}: {problem}; downloading it again.");
        }
    }

    /// <summary>One request for the rest of <paramref name="incomplete"/>; null when it is then complete and correct, else what is wrong.</summary>
    private string? DownloadOnce(string url, string incomplete, long? size, BlobHash? hash, string repoId, string fileName, CancellationToken cancellationToken)
    {
        long start = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (size is { } total && start > total)
        {
            start = 0;
        }
        using (var response = Send(HttpMethod.Get, url, start, followRedirects: true, cancellationToken))
        {
            if (response.StatusCode != HttpStatusCode.RequestedRangeNotSatisfiable || size != start)
            {
                EnsureSuccess(response, url);
                bool resumed = start > 0 && response.StatusCode == HttpStatusCode.PartialContent;
                if (!resumed)
                {
                    start = 0;
                }
                size ??= response.Content.Headers.ContentLength is { } length ? length + start : null;
                using var file = new FileStream(incomplete, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write);
                try
                {
                    using var body = response.Content.ReadAsStream();
                    Copy(body, file, start, size, repoId, fileName, cancellationToken);
                }
                catch (IOException e)
                {
                    // A dropped connection: what arrived stays, and the next attempt asks for the rest.
                    return $"the connection broke after {file.Length} bytes ({e.Message})";
                }
            }
        }
        var written = new FileInfo(incomplete).Length;
        if (size is { } expected && written != expected)
        {
            // Kept: the next attempt resumes after these bytes, and the hash below judges the whole.
            return $"the download ended after {written} of {expected} bytes";
        }
        if (hash is not null && hash.Compute(incomplete) is var actual && actual != hash.Expected)
        {
            // Only the bytes this call wrote are removed; no resume can repair them.
            File.Delete(incomplete);
            return $"the content has {hash.Algorithm} {actual}, but the hub announces {hash.Expected}";
        }
        return null;
    }

    private void Copy(Stream body, FileStream file, long start, long? size, string repoId, string fileName, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        long done = start;
        long lastReport = -1;
        _progress?.Report(new DownloadProgress(repoId, fileName, done, size));
        int read;
        while ((read = body.Read(buffer)) > 0)
        {
            file.Write(buffer, 0, read);
            done += read;
            cancellationToken.ThrowIfCancellationRequested();
            if (done - lastReport >= 1 << 20)
            {
                _progress?.Report(new DownloadProgress(repoId, fileName, done, size));
                lastReport = done;
            }
        }
        file.Flush(flushToDisk: true);
        _progress?.Report(new DownloadProgress(repoId, fileName, done, size));
    }

    private HttpResponseMessage Send(HttpMethod method, string url, long rangeStart, bool followRedirects, CancellationToken cancellationToken)
    {
        for (int hop = 0; ; hop++)
        {
            var request = new HttpRequestMessage(method, url);
            // As requests does for huggingface_hub: the token is for the hub; a redirect to another host (the CDN) must not see it.
            if (_token is not null && new Uri(url).Authority == new Uri(_endpoint).Authority)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
            }
            if (rangeStart > 0)
            {
                request.Headers.Range = new RangeHeaderValue(rangeStart, null);
            }
            var response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!followRedirects || !IsRedirect(response.StatusCode) || response.Headers.Location is null)
            {
                return response;
            }
            if (hop == MaxRedirects)
            {
                response.Dispose();
                throw new HttpRequestException($"{url}: more than {MaxRedirects} redirects.");
            }
            url = new Uri(new Uri(url), response.Headers.Location).ToString();
            response.Dispose();
        }
    }

    private static void EnsureSuccess(HttpResponseMessage response, string url)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? " (the repository does not exist, or it is private/gated: set HF_TOKEN)"
            : "";
        throw new HttpRequestException($"{url}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}{hint}.", null, response.StatusCode);
    }

    /// <summary>Records a 404 as huggingface_hub does (<c>.no_exist/{commit}/{file}</c>), so offline loads know it is absent.</summary>
    private static void MarkMissing(string repo, string? commit, string fileName)
    {
        if (commit is null)
        {
            return;
        }
        var marker = Path.Combine(repo, ".no_exist", commit, fileName);
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        File.WriteAllBytes(marker, []);
    }

    private static void LinkIntoSnapshot(string blob, string pointer)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(pointer)!);
        if (File.Exists(pointer) || new FileInfo(pointer).LinkTarget is not null)
        {
            File.Delete(pointer);
        }
        try
        {
            File.CreateSymbolicLink(pointer, Path.GetRelativePath(Path.GetDirectoryName(pointer)!, blob));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Windows without developer mode cannot create symlinks; huggingface_hub copies too.
            File.Copy(blob, pointer, overwrite: true);
        }
    }

    private static bool IsRedirect(HttpStatusCode code) => (int)code is >= 300 and < 400;

    /// <summary><c>X-Repo-Commit</c> when it is a commit hash; anything else must not name a cache folder.</summary>
    private static string? Commit(HttpResponseMessage response) =>
        Header(response, "X-Repo-Commit") is { } commit && CommitHash().IsMatch(commit) ? commit : null;

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static string? NormalizeEtag(string? etag)
    {
        if (etag is null)
        {
            return null;
        }
        var value = etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag;
        value = value.Trim('"');
        return value.Length == 0 || value.Contains('/') || value.Contains('\\') ? null : value;
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
