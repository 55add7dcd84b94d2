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

    /// <param name="endpoint">Hub base URL; null means <c>$HF_ENDPOINT</c> or <c>https://huggingface.co</c>.</param>
    /// <param name="cacheFolder">Hub cache folder; null means <see cref="HuggingFaceCache.DefaultFolder"/>.</param>
    /// <param name="progress">Receives byte counts while files download.</param>
    /// <param name="timeout">Timeout of each HTTP request; default 100 s.</param>
    /// <param name="token">Access token for private or gated repositories; null means <c>$HF_TOKEN</c>.</param>
    public HubDownloader(
        string? endpoint = null,
        string? cacheFolder = null,
        IProgress<DownloadProgress>? progress = null,
        TimeSpan? timeout = null,
        string? token = null)
    {
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
    /// <exception cref="InvalidDataException">The download ended with a different size than announced.</exception>
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
        if (!File.Exists(blob) || (size is { } expected && new FileInfo(blob).Length != expected))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            DownloadBlob(downloadUrl, blob, size, repoId, fileName, cancellationToken);
        }

        var pointer = Path.Combine(repo, "snapshots", commit, fileName);
        LinkIntoSnapshot(blob, pointer);
        if (!string.Equals(commit, revision, StringComparison.Ordinal))
        {
            var refFile = Path.Combine(repo, "refs", revision);
            Directory.CreateDirectory(Path.GetDirectoryName(refFile)!);
            File.WriteAllText(refFile, commit);
        }
        return pointer;
    }

    private void DownloadBlob(string url, string blob, long? size, string repoId, string fileName, CancellationToken cancellationToken)
    {
        var incomplete = blob + ".incomplete";
        long start = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (size is { } total && start > total)
        {
            start = 0;
        }
        using (var response = Send(HttpMethod.Get, url, start, followRedirects: true, cancellationToken))
        {
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && size == start)
            {
                File.Move(incomplete, blob, overwrite: true);
                return;
            }
            EnsureSuccess(response, url);
            bool resumed = start > 0 && response.StatusCode == HttpStatusCode.PartialContent;
            if (!resumed)
            {
                start = 0;
            }
            size ??= response.Content.Headers.ContentLength is { } length ? length + start : null;
            using var file = new FileStream(incomplete, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write);
            using var body = response.Content.ReadAsStream();
            Copy(body, file, start, size, repoId, fileName, cancellationToken);
        }
        var written = new FileInfo(incomplete).Length;
        if (size is { } expected && written != expected)
        {
            throw new InvalidDataException(
                $"{url}: download ended after {written} of {expected} bytes; run again to resume from {incomplete}.");
        }
        File.Move(incomplete, blob, overwrite: true);
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
        file.Flush();
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
