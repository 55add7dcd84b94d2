using NotebookSupport.Data.Nli.Readers;
using NotebookSupport.Hub;

namespace NotebookSupport.Data.Nli;

/// <summary>
/// Loads NLI data into an <see cref="NliDataset"/> (a Microsoft.Data.Analysis DataFrame with premise,
/// hypothesis, label and the source's extra columns) from any of the formats SNLI and MultiNLI are shipped in.
/// </summary>
/// <remarks>
/// | format | columns read | extra columns |
/// |---|---|---|
/// | Hugging Face parquet | premise, hypothesis, label (int) | all others, e.g. idx |
/// | SNLI / MultiNLI 1.0 <c>.jsonl</c> | sentence1, sentence2, gold_label | captionID, genre, pairID, promptID (those the first line has) |
/// | GLUE MNLI <c>.tsv</c> | sentence1, sentence2, gold_label | idx (from index), promptID, pairID, genre |
/// | CSV (<c>data/snli</c>) | similarity, sentence1, sentence2 | none |
/// | AllNLI <c>.tsv.gz</c> | sentence1, sentence2, label | split, dataset, filename |
///
/// Gold label strings map to 0 entailment, 1 neutral, 2 contradiction and "-" to -1; the rows are kept, so
/// <see cref="NliDataset.CountLabels"/> shows them and <see cref="NliDataset.Filter"/> drops them, as in the
/// tutorial. Text files may be gzip-compressed; a byte order mark and CRLF line ends are accepted.
///
/// Bad input: a structural problem (invalid JSON, a missing field or column, a wrong number of fields, an
/// unknown label string, truncated gzip) throws an <see cref="DataFormatException"/> naming the file and line.
/// A row whose premise or hypothesis is empty or whitespace only, and a blank line, is skipped and counted in
/// <see cref="NliDataset.Skipped"/>.
/// <code>
/// var dev = NliLoader.Load("data/snli/snli_1.0_dev.csv");
/// dev.CountLabels();   // entailment 3,329, neutral 3,235, contradiction 3,278, none 158
/// </code>
/// </remarks>
public static class NliLoader
{
    /// <summary>Rows between two progress reports.</summary>
    public const int ProgressInterval = 50_000;

    /// <summary>Loads one file; see the class remarks for formats and error handling.</summary>
    /// <param name="path">The file.</param>
    /// <param name="format">The format, or <see cref="NliFormat.Auto"/> to decide from the name (and a TSV's header).</param>
    /// <param name="progress">Receives progress every <see cref="ProgressInterval"/> rows and at the end.</param>
    public static NliDataset Load(string path, NliFormat format = NliFormat.Auto, IProgress<NliLoadProgress>? progress = null) =>
        Task.Run(() => LoadAsync(path, format, progress)).GetAwaiter().GetResult();

    /// <inheritdoc cref="Load"/>
    public static Task<NliDataset> LoadAsync(
        string path,
        NliFormat format = NliFormat.Auto,
        IProgress<NliLoadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"NLI file not found: {path}", path);
        }

        return (format == NliFormat.Auto ? DetectFormat(path) : format) switch
        {
            NliFormat.Parquet => ParquetNliReader.LoadAsync(path, progress, cancellationToken),
            NliFormat.Jsonl => Task.Run(() => JsonlNliReader.Load(path, progress), cancellationToken),
            NliFormat.Tsv => Task.Run(() => TsvNliReader.LoadGlue(path, progress), cancellationToken),
            NliFormat.Csv => Task.Run(() => CsvNliReader.Load(path, progress), cancellationToken),
            NliFormat.AllNli => Task.Run(() => TsvNliReader.LoadAllNli(path, progress), cancellationToken),
            var other => throw new ArgumentOutOfRangeException(nameof(format), other, "Unknown NLI format."),
        };
    }

    /// <summary>
    /// Loads a split of a Hugging Face dataset from its parquet file, downloading it into the Hugging Face
    /// cache first if needed (see <see cref="HubDatasetFile"/>). The dataset is named after the config
    /// ("mnli") or, for plain_text/default, after the repository ("snli").
    /// </summary>
    /// <param name="repoId">E.g. <c>stanfordnlp/snli</c> or <c>nyu-mll/glue</c>.</param>
    /// <param name="config">E.g. <c>plain_text</c> or <c>mnli</c>.</param>
    /// <param name="split">E.g. <c>train</c>, <c>validation</c>, <c>validation_matched</c>.</param>
    /// <param name="revision">Branch, tag or commit.</param>
    /// <param name="progress">Load progress.</param>
    /// <param name="cacheDirectory">The Hugging Face hub cache; default <see cref="HubDatasetFile.CacheDirectory"/>.</param>
    /// <param name="endpoint">The hub URL; default <see cref="HubDatasetFile.Endpoint"/>.</param>
    public static NliDataset LoadHub(
        string repoId,
        string config,
        string split,
        string revision = "main",
        IProgress<NliLoadProgress>? progress = null,
        string? cacheDirectory = null,
        string? endpoint = null)
    {
        var path = $"{config}/{split}-00000-of-00001.parquet";
        var file = HubDatasetFile.Download(repoId, path, revision, cacheDirectory, endpoint);
        var dataset = Load(file, NliFormat.Parquet, progress);
        var name = config is "plain_text" or "default" ? repoId[(repoId.LastIndexOf('/') + 1)..] : config;
        return new NliDataset(name, dataset.Frame, dataset.Features, dataset.Skipped);
    }

    /// <summary>The format of a file from its name (a trailing .gz ignored) and, for .tsv, its header line.</summary>
    /// <exception cref="ArgumentException">The name does not tell.</exception>
    public static NliFormat DetectFormat(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            name = name[..^3];
        }

        switch (Path.GetExtension(name))
        {
            case ".parquet":
                return NliFormat.Parquet;
            case ".jsonl" or ".json":
                return NliFormat.Jsonl;
            case ".csv":
                return NliFormat.Csv;
            case ".tsv" or ".txt":
                var header = TsvNliReader.ReadHeader(path);
                return header.Contains("dataset") && header.Contains("split") ? NliFormat.AllNli : NliFormat.Tsv;
            default:
                throw new ArgumentException(
                    $"Cannot tell the NLI format of '{path}' from its name; expected .parquet, .jsonl, .tsv, .csv (optionally .gz) or an explicit format.",
                    nameof(path));
        }
    }
}

/// <summary>The NLI file formats <see cref="NliLoader"/> reads. Any text format may be gzip-compressed.</summary>
public enum NliFormat
{
    /// <summary>Decide from the file name, and for <c>.tsv</c> from the header line.</summary>
    Auto,

    /// <summary>Hugging Face parquet (<c>stanfordnlp/snli</c>, <c>nyu-mll/glue</c> mnli): premise, hypothesis, label (int), extras such as idx.</summary>
    Parquet,

    /// <summary>The original SNLI 1.0 / MultiNLI 1.0 <c>.jsonl</c>: sentence1, sentence2, gold_label ("-" for none), captionID/genre/pairID/promptID.</summary>
    Jsonl,

    /// <summary>GLUE MNLI <c>.tsv</c> (unquoted, tab-separated, header): index, promptID, pairID, genre, ..., sentence1, sentence2, ..., gold_label.</summary>
    Tsv,

    /// <summary>RFC 4180 CSV with a header, like <c>data/snli/*.csv</c>: similarity (the gold label string), sentence1, sentence2.</summary>
    Csv,

    /// <summary>sentence-transformers' <c>AllNLI.tsv.gz</c>: split, dataset, filename, sentence1, sentence2, label (strings).</summary>
    AllNli,
}

/// <summary>Progress of a streaming load, reported every <see cref="NliLoader.ProgressInterval"/> rows and at the end.</summary>
/// <param name="File">The file being read.</param>
/// <param name="Rows">Rows read so far (kept or skipped).</param>
/// <param name="BytesRead">Bytes of the file consumed so far (compressed bytes for a gzip file).</param>
/// <param name="TotalBytes">The file size.</param>
public readonly record struct NliLoadProgress(string File, long Rows, long BytesRead, long TotalBytes)
{
    /// <summary>The fraction of the file consumed, 0 to 1.</summary>
    public double Fraction => TotalBytes == 0 ? 1 : Math.Min(1, (double)BytesRead / TotalBytes);
}
