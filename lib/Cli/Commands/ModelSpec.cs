namespace NotebookSupport.Cli.Commands;

/// <summary>
/// What <c>--model</c> names, loaded: <c>random:bert-tiny|bert-mini|bert-small|minilm-2l</c> for a BERT miniature
/// with randomly initialised layers (<see cref="BertMiniatures"/>, from the current torch seed) or anything <see cref="SentenceTransformer.Load(string, ModelLoadOptions?)"/>
/// loads (a folder, a hub id, <c>bundled:all-MiniLM-L6-v2</c>). <c>train</c> and <c>reproduce</c> load through it.
/// </summary>
internal static class ModelSpec
{
    private const string RandomPrefix = "random:";

    /// <summary>The model <paramref name="spec"/> names, truncating texts to <paramref name="maxSeqLength"/> tokens when given (128 for random models otherwise).</summary>
    /// <param name="spec">What <c>--model</c> says.</param>
    /// <param name="maxSeqLength">From <c>--max-seq-length</c>; null keeps the model's own.</param>
    /// <param name="error">Where download progress and load notes go.</param>
    /// <param name="poolingForRandom">The pooling of a random model (mean when null); loaded models keep their own.</param>
    /// <exception cref="ArgumentException">An unknown <c>random:</c> size (a bad <c>--model</c>).</exception>
    public static SentenceTransformer Load(string spec, int? maxSeqLength, TextWriter error, PoolingMode? poolingForRandom = null)
    {
        if (spec.StartsWith(RandomPrefix, StringComparison.Ordinal))
        {
            var name = spec[RandomPrefix.Length..];
            if (!BertMiniatures.Names.Contains(name))
            {
                throw new ArgumentException($"--model: unknown random model '{name}'; expected {RandomPrefix}{string.Join($", {RandomPrefix}", BertMiniatures.Names)}.");
            }
            return BertMiniatures.CreateRandom(name, poolingForRandom ?? PoolingMode.Mean, maxSeqLength ?? 128);
        }

        var model = SentenceTransformer.Load(spec, CommandOptions.LoadOptions(error));
        if (maxSeqLength is { } length)
        {
            model.MaxSeqLength = length;
        }
        return model;
    }
}
