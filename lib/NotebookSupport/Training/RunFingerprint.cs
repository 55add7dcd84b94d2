using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Models;

namespace NotebookSupport.Training;

/// <summary>
/// What a training run is besides its step count, saved in every checkpoint's <see cref="TrainerState.Run"/> so a
/// resume can tell the same run from a different one that happens to have as many steps: the loaders' batch sizes,
/// seeds and orders, each loss with its settings, a fingerprint of each objective's data, and the model's architecture.
/// The starting weights are not part of it: the checkpoint replaces them all.
/// </summary>
public sealed record RunFingerprint
{
    /// <summary>Per training objective: the loader's batch size (of another loader than <see cref="NoDuplicatesDataLoader"/>: its largest batch in the first epoch).</summary>
    [JsonPropertyName("batch_sizes")] public IReadOnlyList<int> BatchSizes { get; init; } = [];

    /// <summary>Per training objective: the loader's shuffling seed and example order (random or length-grouped); of another loader, its type.</summary>
    [JsonPropertyName("loaders")] public IReadOnlyList<string> Loaders { get; init; } = [];

    /// <summary>Per training objective: the loss and its settings, e.g. <c>MultipleNegativesRankingLoss(scale=20, similarity=Cosine)</c>.</summary>
    [JsonPropertyName("losses")] public IReadOnlyList<string> Losses { get; init; } = [];

    /// <summary>
    /// Per training objective: the example count and a SHA-256 of the examples' texts and labels, in order (of another
    /// loader than <see cref="NoDuplicatesDataLoader"/>: the examples of its first epoch, in batch order).
    /// </summary>
    [JsonPropertyName("data")] public IReadOnlyList<string> Data { get; init; } = [];

    /// <summary>The model: parameter count, a SHA-256 of its parameter names, shapes and types, and what the weights do not hold (tokenizer, length, pooling).</summary>
    [JsonPropertyName("model")] public string Model { get; init; } = "";

    /// <summary>The fingerprint of the run <paramref name="trainer"/> would make.</summary>
    public static RunFingerprint Of(Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        var objectives = trainer.Objectives;
        var loaders = objectives.Select(o => Describe(o.Loader)).ToList();
        return new RunFingerprint
        {
            BatchSizes = [.. loaders.Select(l => l.BatchSize)],
            Loaders = [.. loaders.Select(l => l.Loader)],
            Losses = [.. objectives.Select(o => Describe(o.Loss))],
            Data = [.. loaders.Select(l => l.Data)],
            Model = ModelFingerprint(trainer.Model),
        };
    }

    /// <summary>
    /// Each setting that differs between <paramref name="saved"/> (the checkpoint's) and this run, as
    /// <c>name: checkpoint value -> this run's value</c>.
    /// </summary>
    public IReadOnlyList<string> DifferencesFrom(RunFingerprint saved)
    {
        ArgumentNullException.ThrowIfNull(saved);
        var differences = new List<string>();
        void Compare<T>(string name, IReadOnlyList<T> old, IReadOnlyList<T> now)
        {
            if (old.Count != now.Count)
            {
                differences.Add($"{name}: {old.Count} training objectives -> {now.Count}");
                return;
            }
            for (int i = 0; i < old.Count; i++)
            {
                if (!EqualityComparer<T>.Default.Equals(old[i], now[i]))
                {
                    differences.Add($"{name}{(old.Count > 1 ? $" of objective {i}" : "")}: {old[i]} -> {now[i]}");
                }
            }
        }
        Compare("batch size", saved.BatchSizes, BatchSizes);
        Compare("loader", saved.Loaders, Loaders);
        Compare("loss", saved.Losses, Losses);
        Compare("data", saved.Data, Data);
        if (saved.Model != Model)
        {
            differences.Add($"model: {saved.Model} -> {Model}");
        }
        return differences;
    }

    // The tutorial's loader is known by its settings; any other by its type and what its first epoch yields.
    private static (int BatchSize, string Loader, string Data) Describe(IDataLoader loader)
    {
        if (loader is NoDuplicatesDataLoader known)
        {
            return (known.BatchSize, $"seed {known.Seed}, {known.Order.GetType().Name}", DataFingerprint(known.Examples));
        }
        var firstEpoch = loader.Batches(0).Take(loader.BatchCount(0)).ToList();
        return (firstEpoch.Select(b => b.Count).DefaultIfEmpty().Max(), loader.GetType().Name, DataFingerprint([.. firstEpoch.SelectMany(b => b)]));
    }

    private static string Describe(SentenceTransformerLoss loss) => loss switch
    {
        // The mini-batch size changes how the gradient is assembled, not its value, but a resume should still say so.
        CachedMultipleNegativesRankingLoss l => Settings(l, ("scale", l.Scale), ("similarity", l.SimilarityFunction), ("mini_batch_size", l.MiniBatchSize)),
        InBatchNegativesLoss l => Settings(l, ("scale", l.Scale), ("similarity", l.SimilarityFunction)),
        CoSENTLoss l => Settings(l, ("scale", l.Scale)),
        GISTEmbedLoss l => Settings(l, ("temperature", l.Temperature), ("margin_strategy", l.MarginStrategy), ("margin", l.Margin),
            ("contrast_anchors", l.ContrastAnchors), ("contrast_positives", l.ContrastPositives)),
        MatryoshkaLoss l => $"MatryoshkaLoss({Describe(l.Loss)}, dims=[{string.Join(", ", l.Dimensions)}], weights=[{string.Join(", ", l.Weights.Select(w => w.ToString(CultureInfo.InvariantCulture)))}])",
        SoftmaxLoss l => Settings(l, ("num_labels", l.NumLabels), ("sent_rep", l.ConcatenationSentRep),
            ("sent_difference", l.ConcatenationSentDifference), ("sent_multiplication", l.ConcatenationSentMultiplication)),
        _ => loss.GetType().Name,
    };

    private static string Settings(SentenceTransformerLoss loss, params (string Name, object Value)[] settings) =>
        $"{loss.GetType().Name}({string.Join(", ", settings.Select(s => $"{s.Name}={Convert.ToString(s.Value, CultureInfo.InvariantCulture)}"))})";

    // Length-prefixed fields, so ("ab", "c") and ("a", "bc") hash differently; labels are part of the data too.
    private static string DataFingerprint(IReadOnlyList<InputExample> examples)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var number = new byte[4];
        void Add(int value)
        {
            BitConverter.TryWriteBytes(number, value);
            hash.AppendData(number);
        }
        var buffer = new byte[256];
        foreach (var example in examples)
        {
            Add(example.Texts.Count);
            foreach (var text in example.Texts)
            {
                int length = Encoding.UTF8.GetByteCount(text);
                if (buffer.Length < length)
                {
                    buffer = new byte[Math.Max(length, buffer.Length * 2)];
                }

                Encoding.UTF8.GetBytes(text, buffer);
                Add(length);
                hash.AppendData(buffer, 0, length);
            }
            // Whole-number labels hash as before scores existed, so older checkpoints' fingerprints still match.
            if (example.Label is { } label && !(double.IsInteger(label) && label is > int.MinValue and <= int.MaxValue))
            {
                Add(int.MinValue + 1);
                hash.AppendData(BitConverter.GetBytes(label));
            }
            else
            {
                Add(example.Label is { } whole ? (int)whole : int.MinValue);
            }
        }
        return $"{examples.Count} examples, sha256 {Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}";
    }

    private static string ModelFingerprint(SentenceTransformer model)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long count = 0;
        foreach (var (name, parameter) in model.named_parameters())
        {
            count += parameter.numel();
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}:{string.Join('x', parameter.shape)}:{parameter.dtype}\n"));
        }
        var tokenizer = model.Transformer.Tokenizer;
        return $"{count} parameters (names and shapes sha256 {Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}), " +
               $"vocabulary of {tokenizer.VocabSize}{(tokenizer.DoLowerCase ? " lower-cased" : "")}, max_seq_length {model.MaxSeqLength}, " +
               $"{model.Pooling.Mode} pooling{(model.Normalize is null ? "" : ", normalized")}";
    }
}
