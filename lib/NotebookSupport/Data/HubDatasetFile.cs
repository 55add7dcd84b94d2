using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace NotebookSupport.Data;

/// <summary>
/// Finds a file of a Hugging Face dataset repository in the local Hugging Face cache, downloading it first
/// when it is not there, in the layout <c>huggingface_hub</c> uses, so Python and .NET share the files:
/// <c>{cache}/datasets--{org}--{name}/snapshots/{commit}/{path}</c>, with <c>refs/{revision}</c> holding the commit.
/// </summary>
/// <remarks>
/// Environment, as in <c>huggingface_hub</c>: <c>HF_ENDPOINT</c> (default https://huggingface.co),
/// <c>HF_HUB_CACHE</c> or <c>HF_HOME</c>/hub (default ~/.cache/huggingface/hub), <c>HF_TOKEN</c> for gated or
/// private repositories, <c>HF_HUB_OFFLINE=1</c> to never download.
/// <code>
/// var path = await HubDatasetFile.DownloadAsync("stanfordnlp/snli", "plain_text/train-00000-of-00001.parquet");
/// </code>
/// </remarks>
public static partial class HubDatasetFile
{
    /// <summary>The hub URL: <c>HF_ENDPOINT</c> or https://huggingface.co.</summary>
    public static string Endpoint =>
        (Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } endpoint ? endpoint : "https://huggingface.co").TrimEnd('/');

    /// <summary>The cache folder: <c>HF_HUB_CACHE</c>, else <c>HF_HOME</c>/hub, else ~/.cache/huggingface/hub.</summary>
    public static string CacheDirectory
    {
        get
        {
            if (Environment.GetEnvironmentVariable("HF_HUB_CACHE") is { Length: > 0 } cache)
            {
                return cache;
            }

            var home = Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } hfHome
                ? hfHome
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface");
            return Path.Combine(home, "hub");
        }
    }

    /// <summary>The cached copy of a file, or <c>null</c> if it has not been downloaded.</summary>
    public static string? TryGetCached(string repoId, string path, string revision = "main", string? cacheDirectory = null)
    {
        var repoFolder = RepoFolder(repoId, cacheDirectory);
        var refFile = Path.Combine(repoFolder, "refs", revision);
        var commit = File.Exists(refFile) ? File.ReadAllText(refFile).Trim() : revision;
        var file = Path.Combine(repoFolder, "snapshots", commit, path);
        return File.Exists(file) ? file : null;
    }

    /// <summary>
    /// Returns the local path of <paramref name="path"/> in dataset <paramref name="repoId"/> at
    /// <paramref name="revision"/>, downloading <c>{endpoint}/datasets/{repoId}/resolve/{revision}/{path}</c>
    /// into the cache if it is not there yet. The file appears atomically: an interrupted download leaves no
    /// partial file behind under the final name.
    /// </summary>
    /// <exception cref="HttpRequestException">The server answered with an error; the message has the URL and what to check.</exception>
    /// <exception cref="InvalidOperationException">The file is not cached and <c>HF_HUB_OFFLINE</c> is set.</exception>
    public static async Task<string> DownloadAsync(
        string repoId,
        string path,
        string revision = "main",
        string? cacheDirectory = null,
        string? endpoint = null,
        HttpClient? httpClient = null,
        CancellationToken cancellationToken = default)
    {
        if (!RepoId().IsMatch(repoId))
        {
            throw new ArgumentException($"'{repoId}' is not a dataset repository id like 'stanfordnlp/snli'.", nameof(repoId));
        }

        if (TryGetCached(repoId, path, revision, cacheDirectory) is { } cached)
        {
            return cached;
        }

        var url = $"{endpoint?.TrimEnd('/') ?? Endpoint}/datasets/{repoId}/resolve/{Uri.EscapeDataString(revision)}/{path}";
        if (Environment.GetEnvironmentVariable("HF_HUB_OFFLINE") is "1" or "true" or "TRUE")
        {
            throw new InvalidOperationException($"{repoId}/{path} is not in the cache {RepoFolder(repoId, cacheDirectory)} and HF_HUB_OFFLINE is set; unset it to download {url}.");
        }

        var ownClient = httpClient is null;
        var http = httpClient ?? new HttpClient();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (Environment.GetEnvironmentVariable("HF_TOKEN") is { Length: > 0 } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var hint = response.StatusCode switch
                {
                    HttpStatusCode.NotFound => "check the repository id, revision and file path",
                    HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => "the dataset may be gated or private: set HF_TOKEN",
                    _ => "try again later or set HF_ENDPOINT to a mirror",
                };
                throw new HttpRequestException($"Downloading {url} failed with HTTP {(int)response.StatusCode} {response.ReasonPhrase}; {hint}.", null, response.StatusCode);
            }

            var commit = response.Headers.TryGetValues("X-Repo-Commit", out var values) ? values.First() : revision;
            var repoFolder = RepoFolder(repoId, cacheDirectory);
            var target = Path.Combine(repoFolder, "snapshots", commit, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var partial = $"{target}.{Guid.NewGuid():N}.incomplete";
            try
            {
                await using (var output = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                {
                    await response.Content.CopyToAsync(output, cancellationToken);
                }

                File.Move(partial, target, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }

            if (commit != revision)
            {
                Directory.CreateDirectory(Path.Combine(repoFolder, "refs"));
                await File.WriteAllTextAsync(Path.Combine(repoFolder, "refs", revision), commit, cancellationToken);
            }

            return target;
        }
        finally
        {
            if (ownClient)
            {
                http.Dispose();
            }
        }
    }

    private static string RepoFolder(string repoId, string? cacheDirectory) =>
        Path.Combine(cacheDirectory ?? CacheDirectory, "datasets--" + repoId.Replace("/", "--", StringComparison.Ordinal));

    [GeneratedRegex(@"^[A-Za-z0-9][\w.-]*/[\w.-]+$")]
    private static partial Regex RepoId();
}
