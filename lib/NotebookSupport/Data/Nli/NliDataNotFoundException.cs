namespace NotebookSupport.Data.Nli;

/// <summary>
/// A train file of the full experiment is neither in the Hugging Face cache nor downloadable (no network, a
/// closed mirror, offline mode). The message names the dataset repository and file, the cache folder looked
/// in, why the hub did not answer, and the three ways out: a hub mirror, a copied hub cache, or local files.
/// An <see cref="IOException"/>, so callers that handle missing files handle this too.
/// </summary>
public sealed class NliDataNotFoundException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="source">The file that was asked for.</param>
    /// <param name="cacheFolder">The cache folder of its repository, e.g. <c>~/.cache/huggingface/hub/datasets--stanfordnlp--snli</c>.</param>
    /// <param name="hubAnswer">Where the hub was asked and what happened.</param>
    /// <param name="innerException">The download error.</param>
    public NliDataNotFoundException(HubNliSource source, string cacheFolder, string hubAnswer, Exception? innerException = null)
        : base(Compose(source, cacheFolder, hubAnswer), innerException)
    {
        Dataset = source;
        CacheFolder = cacheFolder;
    }

    /// <summary>The file that was asked for.</summary>
    public HubNliSource Dataset { get; }

    /// <summary>The cache folder of its repository.</summary>
    public string CacheFolder { get; }

    private static string Compose(HubNliSource source, string cacheFolder, string hubAnswer)
    {
        var nl = Environment.NewLine;
        var hubCache = Path.GetDirectoryName(cacheFolder);
        return $"{source.Title} ({source.RepoId}, file {source.FilePath}) not found. Looked in:{nl}"
               + $"  - Hugging Face cache '{cacheFolder}': no copy of revision 'main'{nl}"
               + $"  - {hubAnswer}{nl}"
               + $"Ways out:{nl}"
               + $"  - a hub mirror: set HF_ENDPOINT to its URL (e.g. HF_ENDPOINT=https://hf-mirror.com) and run again;{nl}"
               + $"  - a copied hub cache: copy the folder {Path.GetFileName(cacheFolder)} from a machine that has it into {hubCache}, "
               + $"or point HF_HUB_CACHE at a copied cache;{nl}"
               + "  - local files: SNLI and MultiNLI train in any format NliLoader reads (snli_1.0_train.jsonl, multinli_1.0_train.jsonl, "
               + "GLUE's MNLI train.tsv, the hub's parquet files), given as NliDataOptions { SnliTrainFile = ..., MultiNliTrainFile = ... } "
               + "or `st reproduce --data SNLI_FILE MULTINLI_FILE`.";
    }
}
