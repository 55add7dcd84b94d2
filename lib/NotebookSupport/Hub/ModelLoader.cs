using NotebookSupport.Models;
using NotebookSupport.Tokenization;

namespace NotebookSupport.Hub;

/// <summary>
/// Loads a <see cref="SentenceTransformer"/> by name or path: the implementation behind <see cref="SentenceTransformer.Load"/>,
/// whose remarks list the accepted forms.
/// </summary>
internal static class ModelLoader
{
    /// <summary>Prefix of bundled model names.</summary>
    public const string BundledPrefix = "bundled:";

    /// <summary>Files fetched from the hub: required ones first, then the optional sentence-transformers and tokenizer files.</summary>
    private static readonly string[] _requiredHubFiles = [SentenceTransformerLayout.ModelConfigFile, BertWordPieceTokenizer.VocabFileName];

    private static readonly string[] _optionalHubFiles =
    [
        "tokenizer_config.json",
        "special_tokens_map.json",
        SentenceTransformerLayout.ModulesFile,
        SentenceTransformerLayout.SentenceBertConfigFile,
        SentenceTransformerLayout.ConfigFile,
        $"{SentenceTransformerLayout.PoolingFolder}/{SentenceTransformerLayout.PoolingConfigFile}",
    ];

    /// <summary>Loads the model <paramref name="modelNameOrPath"/> names (see the remarks for the accepted forms).</summary>
    /// <exception cref="ModelNotFoundException">Nothing found; the message lists every place looked at.</exception>
    /// <exception cref="InvalidDataException">A model file is corrupt or does not match the others; the message names it.</exception>
    /// <exception cref="FileNotFoundException">A model folder lacks a file it needs; the message names it.</exception>
    public static SentenceTransformer Load(string modelNameOrPath, ModelLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelNameOrPath);
        options ??= new ModelLoadOptions();
        if (modelNameOrPath.StartsWith(BundledPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return BundledModelCache.Load(modelNameOrPath[BundledPrefix.Length..], options);
        }

        var folder = HuggingFaceCache.ExpandHome(modelNameOrPath);
        // A save killed half way is finished (or undone) first, so the folder reads as one whole model.
        ModelFolderTransaction.Recover(folder, options.Report);
        if (Directory.Exists(folder))
        {
            return ModelFolderReader.Read(folder, options);
        }
        var looked = new List<string> { $"local folder '{Path.GetFullPath(folder)}': does not exist" };
        if (!HuggingFaceCache.IsRepoId(modelNameOrPath))
        {
            throw new ModelNotFoundException(modelNameOrPath, looked);
        }
        return LoadFromHub(modelNameOrPath, options, looked);
    }

    private static SentenceTransformer LoadFromHub(string repoId, ModelLoadOptions options, List<string> looked)
    {
        var cache = options.HubCacheFolder ?? HuggingFaceCache.DefaultFolder();
        var snapshot = HuggingFaceCache.FindSnapshot(cache, repoId, options.Revision);
        bool offline = options.Offline ?? HuggingFaceCache.OfflineFromEnvironment();
        if (snapshot is not null && IsComplete(snapshot))
        {
            // A damaged blob would load with wrong weights, or fail deep inside a reader; online, the downloader fetches it again.
            var damaged = HuggingFaceCache.DamagedFiles(snapshot, [.. _requiredHubFiles, .. CheckpointFile.FileNames, .. _optionalHubFiles]);
            if (damaged.Count == 0)
            {
                return ModelFolderReader.Read(snapshot, options);
            }
            if (offline)
            {
                throw new InvalidDataException(
                    $"{repoId}: the cached copy is damaged: {string.Join("; ", damaged)}. Load it once without offline mode to download it again.");
            }
        }
        looked.Add(snapshot is null
            ? $"Hugging Face cache '{HuggingFaceCache.RepoFolder(cache, repoId)}': no snapshot of revision '{options.Revision}'"
            : $"Hugging Face cache snapshot '{snapshot}': incomplete or damaged (needs config.json, vocab.txt and {string.Join(" or ", CheckpointFile.FileNames)})");

        if (offline)
        {
            looked.Add("the hub: not asked, offline mode (HF_HUB_OFFLINE or ModelLoadOptions.Offline)");
            throw new ModelNotFoundException(repoId, looked);
        }
        using var downloader = new HubDownloader(options.Endpoint, cache, options.DownloadProgress, log: options.Report);
        try
        {
            snapshot = Download(downloader, repoId, options.Revision);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FileNotFoundException)
        {
            looked.Add($"the hub at {downloader.FileUrl(repoId, options.Revision, "...")}: {Describe(e)}");
            throw new ModelNotFoundException(repoId, looked, e);
        }
        return ModelFolderReader.Read(snapshot, options);
    }

    private static string Download(HubDownloader downloader, string repoId, string revision)
    {
        string? snapshot = null;
        foreach (var file in _requiredHubFiles)
        {
            var path = downloader.Download(repoId, revision, file)
                ?? throw new FileNotFoundException($"{downloader.FileUrl(repoId, revision, file)}: HTTP 404, the repository has no {file}.");
            snapshot ??= Path.GetDirectoryName(path);
        }
        if (CheckpointFile.FileNames.All(file => downloader.Download(repoId, revision, file) is null))
        {
            throw new FileNotFoundException(
                $"{downloader.FileUrl(repoId, revision, "")}: HTTP 404 for {string.Join(" and ", CheckpointFile.FileNames)}, the repository has no weights.");
        }
        foreach (var file in _optionalHubFiles)
        {
            downloader.Download(repoId, revision, file);
        }
        return snapshot!;
    }

    private static bool IsComplete(string snapshot) =>
        _requiredHubFiles.All(f => File.Exists(Path.Combine(snapshot, f))) && CheckpointFile.Find(snapshot) is not null;

    private static string Describe(Exception e) => e switch
    {
        TaskCanceledException => "timed out",
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError } http =>
            $"no connection ({http.Message})",
        _ => e.Message,
    };
}
