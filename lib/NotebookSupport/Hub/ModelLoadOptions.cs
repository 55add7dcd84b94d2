namespace NotebookSupport.Hub;

/// <summary>
/// Where <c>SentenceTransformer.Load</c> looks for models and how it downloads them. Every property left null
/// follows the environment, as the Python libraries do.
/// </summary>
public sealed record ModelLoadOptions
{
    /// <summary>Branch, tag or commit of a hub model. Default <c>main</c>.</summary>
    public string Revision { get; init; } = "main";

    /// <summary>Hugging Face hub cache folder; null means <see cref="HuggingFaceCache.DefaultFolder"/>.</summary>
    public string? HubCacheFolder { get; init; }

    /// <summary>Hub base URL; null means <c>$HF_ENDPOINT</c> or <c>https://huggingface.co</c>.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Never download; null means <c>$HF_HUB_OFFLINE</c>.</summary>
    public bool? Offline { get; init; }

    /// <summary>
    /// Where converted bundled models are cached; null means <c>$NOTEBOOKSUPPORT_CACHE</c>, else
    /// <c>~/.cache/notebooksupport</c>.
    /// </summary>
    public string? CacheFolder { get; init; }

    /// <summary>Receives download progress of hub files.</summary>
    public IProgress<DownloadProgress>? DownloadProgress { get; init; }

    /// <summary>
    /// Receives notes about the load (weights ignored, such as pre-training heads; modules created with defaults).
    /// Null writes them to standard error, as transformers' warnings do.
    /// </summary>
    public Action<string>? Log { get; init; }

    /// <summary>The bundled-model cache folder these options select.</summary>
    public string ResolveCacheFolder() =>
        CacheFolder
        ?? (HuggingFaceCache.Env("NOTEBOOKSUPPORT_CACHE") is { } env
            ? HuggingFaceCache.ExpandHome(env)
            : Path.Combine(HuggingFaceCache.UserHome(), ".cache", "notebooksupport"));

    internal void Report(string message) => (Log ?? Console.Error.WriteLine)(message);
}
