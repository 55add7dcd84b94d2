using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace NotebookSupport.Hub;

/// <summary>
/// Downloads files of a model repository from the Hugging Face hub (<c>{endpoint}/{repo}/resolve/{revision}/{file}</c>)
/// into the <see cref="HuggingFaceCache"/> layout, as <c>huggingface_hub.hf_hub_download</c> does: the content goes to
/// <c>blobs/{etag}</c>, the snapshot entry <c>snapshots/{commit}/{file}</c> links to it, and <c>refs/{revision}</c>
/// records the commit. Interrupted downloads stay in <c>blobs/{etag}.incomplete</c> and are resumed with an HTTP
/// <c>Range</c> request.
/// </summary>
public sealed class HubDownloader : IDisposable
{
    private const int MaxRedirects = 10;
    private readonly HttpClient _client;
    private readonly string _endpoint;
    private readonly string _cacheFolder;
    private readonly IProgress<DownloadProgress>? _progress;

    /// <param name="endpoint">Hub base URL; null means <c>$HF_ENDPOINT</c> or <c>https://huggingface.co</c>.</param>
    /// <param name="cacheFolder">Hub cache folder; null means <see cref="HuggingFaceCache.DefaultFolder"/>.</param>
    /// <param name="progress">Receives byte counts while files download.</param>
    /// <param name="timeout">Timeout of each HTTP request; default 100 s.</param>
    public HubDownloader(string? endpoint = null, string? cacheFolder = null, IProgress<DownloadProgress>? progress = null, TimeSpan? timeout = null)
    {
        _endpoint = (endpoint ?? DefaultEndpoint()).TrimEnd('/');
        _cacheFolder = cacheFolder ?? HuggingFaceCache.DefaultFolder();
        _progress = progress;
        // Redirects are followed by hand: the hub's first answer carries the commit and ETag headers, the CDN's does not.
        _client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("NotebookSupport", "1.0"));
        if (HuggingFaceCache.Env("HF_TOKEN") is { } token)
        {
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary><c>$HF_ENDPOINT</c>, or <c>https://huggingface.co</c>.</summary>
    public static string DefaultEndpoint() => HuggingFaceCache.Env("HF_ENDPOINT") ?? "https://huggingface.co";

    /// <summary>The URL a file is fetched from.</summary>
    public string FileUrl(string repoId, string revision, string fileName) =>
        $"{_endpoint}/{repoId}/resolve/{Uri.EscapeDataString(revision)}/{fileName}";

    /// <summary>
    /// Downloads one file into the cache (or reuses the blob already there) and returns its path inside the snapshot
    /// folder, or null when the hub answers 404 (the file does not exist in that repository).
    /// </summary>
    /// <exception cref="HttpRequestException">The server is unreachable, or refuses (401/403: missing or gated repository).</exception>
    /// <exception cref="InvalidDataException">The download ended with a different size than announced.</exception>
    public string? Download(string repoId, string revision, string fileName)
    {
        var url = FileUrl(repoId, revision, fileName);
        using var head = Send(HttpMethod.Head, url, rangeStart: 0, followRedirects: false);
        if (head.StatusCode == HttpStatusCode.NotFound)
        {
            MarkMissing(repoId, Header(head, "X-Repo-Commit"), fileName);
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

        var commit = Header(head, "X-Repo-Commit") ?? revision;
        // A redirect's own Content-Length is that of its (empty) body; the file size then comes only from X-Linked-Size.
        long? size = long.TryParse(Header(head, "X-Linked-Size"), out var linked) ? linked
            : IsRedirect(head.StatusCode) ? null : head.Content.Headers.ContentLength;
        var etag = NormalizeEtag(Header(head, "X-Linked-Etag") ?? head.Headers.ETag?.Tag)
                   ?? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{repoId}/{commit}/{fileName}")));

        var repo = HuggingFaceCache.RepoFolder(_cacheFolder, repoId);
        var blob = Path.Combine(repo, "blobs", etag);
        if (!File.Exists(blob) || (size is { } expected && new FileInfo(blob).Length != expected))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            DownloadBlob(downloadUrl, blob, size, repoId, fileName);
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

    private void DownloadBlob(string url, string blob, long? size, string repoId, string fileName)
    {
        var incomplete = blob + ".incomplete";
        long start = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (size is { } total && start > total)
        {
            start = 0;
        }
        using (var response = Send(HttpMethod.Get, url, start, followRedirects: true))
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
            Copy(body, file, start, size, repoId, fileName);
        }
        var written = new FileInfo(incomplete).Length;
        if (size is { } expected && written != expected)
        {
            throw new InvalidDataException(
                $"{url}: download ended after {written} of {expected} bytes; run again to resume from {incomplete}.");
        }
        File.Move(incomplete, blob, overwrite: true);
    }

    private void Copy(Stream body, FileStream file, long start, long? size, string repoId, string fileName)
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
            if (done - lastReport >= 1 << 20)
            {
                _progress?.Report(new DownloadProgress(repoId, fileName, done, size));
                lastReport = done;
            }
        }
        file.Flush();
        _progress?.Report(new DownloadProgress(repoId, fileName, done, size));
    }

    private HttpResponseMessage Send(HttpMethod method, string url, long rangeStart, bool followRedirects)
    {
        for (int hop = 0; ; hop++)
        {
            var request = new HttpRequestMessage(method, url);
            if (rangeStart > 0)
            {
                request.Headers.Range = new RangeHeaderValue(rangeStart, null);
            }
            var response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead);
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
    private void MarkMissing(string repoId, string? commit, string fileName)
    {
        if (commit is null)
        {
            return;
        }
        var marker = Path.Combine(HuggingFaceCache.RepoFolder(_cacheFolder, repoId), ".no_exist", commit, fileName);
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

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}
