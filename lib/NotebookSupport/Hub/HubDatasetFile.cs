using System.Net;

namespace NotebookSupport.Hub;

/// <summary>
/// Finds a file of a Hugging Face dataset repository in the local Hugging Face cache, downloading it first
/// when it is not there: <see cref="HubDownloader"/> with <see cref="HubRepoType.Dataset"/>, so the file lands where
/// <c>huggingface_hub</c> puts it and Python and .NET share it:
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
public static class HubDatasetFile
{
    /// <summary>The hub URL: <c>HF_ENDPOINT</c> or https://huggingface.co.</summary>
    public static string Endpoint => HubDownloader.DefaultEndpoint().TrimEnd('/');

    /// <summary>The cache folder: <see cref="HuggingFaceCache.DefaultFolder"/> (<c>HF_HUB_CACHE</c>, else <c>HF_HOME</c>/hub, ...).</summary>
    public static string CacheDirectory => HuggingFaceCache.DefaultFolder();

    /// <summary>The cached copy of a file, or <c>null</c> if it has not been downloaded.</summary>
    /// <exception cref="ArgumentException">A repository id, path or revision that would lead outside the cache.</exception>
    public static string? TryGetCached(string repoId, string path, string revision = "main", string? cacheDirectory = null)
    {
        Validate(repoId, path, revision);
        return HuggingFaceCache.FindFile(cacheDirectory ?? CacheDirectory, repoId, revision, path, HubRepoType.Dataset);
    }

    /// <summary>
    /// Returns the local path of <paramref name="path"/> in dataset <paramref name="repoId"/> at
    /// <paramref name="revision"/>, downloading <c>{endpoint}/datasets/{repoId}/resolve/{revision}/{path}</c>
    /// into the cache if it is not there yet. The file appears atomically: an interrupted download stays in
    /// <c>blobs/{etag}.incomplete</c> (resumed by the next call), never under the final name.
    /// </summary>
    /// <exception cref="ArgumentException">A repository id, path or revision that would lead outside the cache.</exception>
    /// <exception cref="HttpRequestException">The server answered with an error; the message has the URL and what to check.</exception>
    /// <exception cref="InvalidOperationException">The file is not cached and <c>HF_HUB_OFFLINE</c> is set.</exception>
    public static string Download(
        string repoId,
        string path,
        string revision = "main",
        string? cacheDirectory = null,
        string? endpoint = null,
        CancellationToken cancellationToken = default)
    {
        if (TryGetCached(repoId, path, revision, cacheDirectory) is { } cached)
        {
            return cached;
        }

        var cache = cacheDirectory ?? CacheDirectory;
        using var hub = new HubDownloader(endpoint, cache);
        var url = hub.FileUrl(repoId, revision, path, HubRepoType.Dataset);
        if (HuggingFaceCache.OfflineFromEnvironment())
        {
            throw new InvalidOperationException(
                $"{repoId}/{path} is not in the cache {HuggingFaceCache.RepoFolder(cache, repoId, HubRepoType.Dataset)} and HF_HUB_OFFLINE is set; unset it to download {url}.");
        }

        return hub.Download(repoId, revision, path, HubRepoType.Dataset, cancellationToken)
               ?? throw new HttpRequestException(
                   $"Downloading {url} failed with HTTP 404 Not Found; check the repository id, revision and file path.", null, HttpStatusCode.NotFound);
    }

    /// <inheritdoc cref="Download"/>
    public static Task<string> DownloadAsync(
        string repoId,
        string path,
        string revision = "main",
        string? cacheDirectory = null,
        string? endpoint = null,
        CancellationToken cancellationToken = default) =>
        Task.Run(() => Download(repoId, path, revision, cacheDirectory, endpoint, cancellationToken), cancellationToken);

    private static void Validate(string repoId, string path, string revision)
    {
        if (!HuggingFaceCache.IsRepoId(repoId))
        {
            throw new ArgumentException($"'{repoId}' is not a dataset repository id like 'stanfordnlp/snli'.", nameof(repoId));
        }
        if (!HuggingFaceCache.IsRepoPath(path) || !HuggingFaceCache.IsRepoPath(revision))
        {
            throw new ArgumentException($"'{path}' at '{revision}' must be a relative path inside the repository.", nameof(path));
        }
    }
}
