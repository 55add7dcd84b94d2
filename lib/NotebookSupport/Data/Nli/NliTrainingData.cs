using System.Net;
using NotebookSupport.Hub;

namespace NotebookSupport.Data.Nli;

/// <summary>
/// The NLI data the tutorial trains on, decided in one place for every notebook and for <c>st reproduce</c>:
/// which two datasets, and the video's preprocessing that turns them into (anchor, positive) pairs.
/// </summary>
/// <remarks>
/// | | first dataset | second dataset (MultiNLI's schema) |
/// |---|---|---|
/// | default (offline, bundled in <c>data/</c>) | <c>snli/snli_1.0_dev.csv</c> | <c>glue-style/snli_1.0_test.glue-mnli.parquet</c>: SNLI test re-encoded in GLUE mnli's schema (label <c>not null</c>, an <c>idx</c> column) |
/// | full experiment | SNLI train: <c>stanfordnlp/snli</c>, plain_text | MultiNLI train: <c>nyu-mll/glue</c>, mnli |
///
/// The full experiment reads the Hugging Face cache first (<c>HF_HUB_CACHE</c>, ...), then downloads from
/// <c>HF_ENDPOINT</c> (default https://huggingface.co), unless <see cref="NliDataOptions.SnliTrainFile"/> and
/// <see cref="NliDataOptions.MultiNliTrainFile"/> name local copies. When neither works a
/// <see cref="NliDataNotFoundException"/> names the repository, file, cache folder and the ways out.
/// <code>
/// var (snli, mnli) = NliTrainingData.LoadSources(fullExperiment);   // notebook 1 shows the steps one by one
/// var pairs = NliTrainingData.LoadPairs(fullExperiment).Examples;    // the same steps in one call
/// </code>
/// </remarks>
public static class NliTrainingData
{
    /// <summary>SNLI train on the hub: repository, config and file, as <see cref="NliLoader.LoadHub"/> reads it.</summary>
    public static readonly HubNliSource SnliTrain = new("SNLI train", "stanfordnlp/snli", "plain_text", "train");

    /// <summary>MultiNLI train on the hub (GLUE's copy, the one the video loads).</summary>
    public static readonly HubNliSource MultiNliTrain = new("MultiNLI train", "nyu-mll/glue", "mnli", "train");

    /// <summary>The default first dataset, relative to the data folder.</summary>
    public const string DefaultFirstFile = "snli/snli_1.0_dev.csv";

    /// <summary>The default second dataset, relative to the data folder: SNLI test in GLUE mnli's parquet schema.</summary>
    public const string DefaultSecondFile = "glue-style/snli_1.0_test.glue-mnli.parquet";

    /// <summary>The bundled default files in <paramref name="dataFolder"/> (default: <see cref="FindDataFolder"/>), first then second.</summary>
    public static IReadOnlyList<string> DefaultFiles(string? dataFolder = null)
    {
        var folder = dataFolder ?? FindDataFolder();
        return [Path.Combine(folder, DefaultFirstFile), Path.Combine(folder, DefaultSecondFile)];
    }

    /// <summary>
    /// The two datasets, loaded but not yet made to match: SNLI first, then the one in MultiNLI's schema (see the
    /// class remarks for which files).
    /// </summary>
    /// <param name="fullExperiment">SNLI + MultiNLI train (943k rows) instead of the bundled files (20k rows).</param>
    /// <param name="options">Where the files are; defaults as in the class remarks.</param>
    /// <exception cref="NliDataNotFoundException">Full experiment: a train file is neither cached, downloadable nor given locally.</exception>
    /// <exception cref="FileNotFoundException">A bundled or local file does not exist.</exception>
    public static (NliDataset First, NliDataset Second) LoadSources(bool fullExperiment, NliDataOptions? options = null)
    {
        options ??= new NliDataOptions();
        if (!fullExperiment)
        {
            var files = DefaultFiles(options.DataFolder);
            return (NliLoader.Load(files[0], progress: options.Progress), NliLoader.Load(files[1], progress: options.Progress));
        }

        return (Load(SnliTrain, options.SnliTrainFile, options), Load(MultiNliTrain, options.MultiNliTrainFile, options));
    }

    /// <summary>
    /// The tutorial's (anchor, positive) pairs: <see cref="LoadSources"/>, then <see cref="Combine"/> (drop
    /// MultiNLI's idx, cast SNLI to MultiNLI's features, concatenate), then every entailment row as (premise,
    /// hypothesis); <see cref="NliExamples.Dropped"/> counts the other rows by label, including those without
    /// a gold label (-1).
    /// </summary>
    /// <inheritdoc cref="LoadSources" path="/param"/>
    /// <inheritdoc cref="LoadSources" path="/exception"/>
    public static NliExamples LoadPairs(bool fullExperiment, NliDataOptions? options = null)
    {
        var (first, second) = LoadSources(fullExperiment, options);
        return Combine(first, second).ToPairs();
    }

    /// <summary>
    /// The video's preprocessing in one call: drops the columns not every dataset has (MultiNLI's <c>idx</c>,
    /// the extra fields of <c>.jsonl</c> files), casts each dataset to the last one's features (SNLI to
    /// MultiNLI's), and concatenates.
    /// </summary>
    /// <exception cref="InvalidOperationException">A value does not fit the last dataset's features (see <see cref="NliDataset.Cast"/>).</exception>
    public static NliDataset Combine(params NliDataset[] datasets)
    {
        if (datasets.Length == 0)
        {
            throw new ArgumentException("Give at least one dataset.", nameof(datasets));
        }

        var shared = datasets[^1].ColumnNames.Where(name => datasets.All(d => d.Features.Find(name) is not null)).ToList();
        NliDataset Shared(NliDataset d) =>
            d.ColumnNames.Except(shared).ToArray() is { Length: > 0 } extra ? d.RemoveColumns(extra) : d;
        var target = Shared(datasets[^1]);
        return NliDataset.Concatenate([.. datasets[..^1].Select(d => Shared(d).Cast(target.Features)), target]);
    }

    /// <summary>
    /// The repository's <c>data/</c> folder: the first folder named <c>data</c> holding
    /// <see cref="DefaultFirstFile"/> above the working folder or this library.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">There is none; the message says where it looked.</exception>
    public static string FindDataFolder()
    {
        var starts = new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory, Path.GetDirectoryName(typeof(NliTrainingData).Assembly.Location) ?? "" };
        foreach (var start in starts.Where(s => s.Length > 0))
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "data");
                if (File.Exists(Path.Combine(candidate, DefaultFirstFile)))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"Could not find the repository's data folder (data/{DefaultFirstFile}) above {string.Join(" or ", starts.Where(s => s.Length > 0))}; "
            + "set NliDataOptions.DataFolder.");
    }

    private static NliDataset Load(HubNliSource source, string? localFile, NliDataOptions options)
    {
        if (localFile is not null)
        {
            return NliLoader.Load(localFile, progress: options.Progress);
        }

        var cache = options.HubCacheFolder ?? HubDatasetFile.CacheDirectory;
        var endpoint = (options.Endpoint ?? HubDatasetFile.Endpoint).TrimEnd('/');
        var url = $"{endpoint}/datasets/{source.RepoId}/resolve/main/{source.FilePath}";
        var repoFolder = HuggingFaceCache.RepoFolder(cache, source.RepoId, HubRepoType.Dataset);
        try
        {
            return NliLoader.LoadHub(source.RepoId, source.Config, source.Split, progress: options.Progress, cacheDirectory: cache, endpoint: endpoint);
        }
        catch (HttpRequestException e)
        {
            throw new NliDataNotFoundException(source, repoFolder, $"the hub at {url}: {Describe(e)}", e);
        }
        catch (TaskCanceledException e)
        {
            throw new NliDataNotFoundException(source, repoFolder, $"the hub at {url}: timed out", e);
        }
        catch (InvalidOperationException e) when (HuggingFaceCache.OfflineFromEnvironment() && HubDatasetFile.TryGetCached(source.RepoId, source.FilePath, cacheDirectory: cache) is null)
        {
            throw new NliDataNotFoundException(source, repoFolder, "the hub: not asked, offline mode (HF_HUB_OFFLINE is set; unset it to download)", e);
        }
    }

    private static string Describe(HttpRequestException e) => e switch
    {
        { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError } => $"no connection ({e.Message})",
        { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } => $"{e.Message} (set HF_TOKEN if the repository is gated)",
        _ => e.Message,
    };
}

/// <summary>A train file of an NLI dataset on the Hugging Face hub.</summary>
/// <param name="Title">What it is, for messages, e.g. "SNLI train".</param>
/// <param name="RepoId">The dataset repository, e.g. <c>stanfordnlp/snli</c>.</param>
/// <param name="Config">The config folder, e.g. <c>plain_text</c>.</param>
/// <param name="Split">The split, e.g. <c>train</c>.</param>
public sealed record HubNliSource(string Title, string RepoId, string Config, string Split)
{
    /// <summary>The parquet file in the repository, e.g. <c>plain_text/train-00000-of-00001.parquet</c>.</summary>
    public string FilePath => $"{Config}/{Split}-00000-of-00001.parquet";
}

/// <summary>Where <see cref="NliTrainingData"/> finds its files; every property is optional.</summary>
public sealed record NliDataOptions
{
    /// <summary>The folder with the bundled files; default <see cref="NliTrainingData.FindDataFolder"/>.</summary>
    public string? DataFolder { get; init; }

    /// <summary>Full experiment: a local copy of SNLI train (any format <see cref="NliLoader"/> reads) instead of the hub.</summary>
    public string? SnliTrainFile { get; init; }

    /// <summary>Full experiment: a local copy of MultiNLI train (any format <see cref="NliLoader"/> reads) instead of the hub.</summary>
    public string? MultiNliTrainFile { get; init; }

    /// <summary>The Hugging Face hub cache; default <see cref="HubDatasetFile.CacheDirectory"/> (<c>HF_HUB_CACHE</c>, ...).</summary>
    public string? HubCacheFolder { get; init; }

    /// <summary>The hub URL; default <see cref="HubDatasetFile.Endpoint"/> (<c>HF_ENDPOINT</c> or https://huggingface.co).</summary>
    public string? Endpoint { get; init; }

    /// <summary>Load progress of each file.</summary>
    public IProgress<NliLoadProgress>? Progress { get; init; }
}
