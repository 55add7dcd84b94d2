using System.Text.Json;
using System.Text.Json.Serialization;
using NotebookSupport.Hub;

namespace NotebookSupport.Models;

/// <summary>
/// The <c>1_Pooling/config.json</c> of a sentence-transformers model, with its field names.
/// Exactly one of the four supported <c>pooling_mode_*</c> flags may be true.
/// </summary>
public sealed record PoolingConfig
{
    [JsonPropertyName("word_embedding_dimension")] public int WordEmbeddingDimension { get; init; }
    [JsonPropertyName("pooling_mode_cls_token")] public bool PoolingModeClsToken { get; init; }
    [JsonPropertyName("pooling_mode_mean_tokens")] public bool PoolingModeMeanTokens { get; init; }
    [JsonPropertyName("pooling_mode_max_tokens")] public bool PoolingModeMaxTokens { get; init; }
    [JsonPropertyName("pooling_mode_mean_sqrt_len_tokens")] public bool PoolingModeMeanSqrtLenTokens { get; init; }
    [JsonPropertyName("pooling_mode_weightedmean_tokens")] public bool PoolingModeWeightedMeanTokens { get; init; }
    [JsonPropertyName("pooling_mode_lasttoken")] public bool PoolingModeLastToken { get; init; }
    [JsonPropertyName("include_prompt")] public bool IncludePrompt { get; init; } = true;

    private static readonly JsonSerializerOptions _writeOptions = LibraryJson.Indented;

    /// <summary>The config describing one pooling mode.</summary>
    public static PoolingConfig From(int wordEmbeddingDimension, PoolingMode mode) => new()
    {
        WordEmbeddingDimension = wordEmbeddingDimension,
        PoolingModeClsToken = mode == PoolingMode.Cls,
        PoolingModeMeanTokens = mode == PoolingMode.Mean,
        PoolingModeMaxTokens = mode == PoolingMode.Max,
        PoolingModeMeanSqrtLenTokens = mode == PoolingMode.MeanSqrtLen,
    };

    /// <summary>The single pooling mode this config selects.</summary>
    /// <param name="source">Where the config came from, for the error message.</param>
    /// <exception cref="InvalidDataException">No mode, several modes, or an unsupported mode is selected.</exception>
    public PoolingMode GetMode(string source = "pooling config")
    {
        if (PoolingModeWeightedMeanTokens || PoolingModeLastToken)
        {
            throw new InvalidDataException($"'{source}': weighted-mean and last-token pooling are not supported (cls, max, mean, mean_sqrt_len).");
        }

        PoolingMode[] selected =
        [
            .. PoolingModeClsToken ? [PoolingMode.Cls] : Array.Empty<PoolingMode>(),
            .. PoolingModeMaxTokens ? [PoolingMode.Max] : Array.Empty<PoolingMode>(),
            .. PoolingModeMeanTokens ? [PoolingMode.Mean] : Array.Empty<PoolingMode>(),
            .. PoolingModeMeanSqrtLenTokens ? [PoolingMode.MeanSqrtLen] : Array.Empty<PoolingMode>(),
        ];
        if (selected.Length != 1)
        {
            throw new InvalidDataException(
                $"'{source}': expected exactly one pooling_mode_* flag set to true, found {selected.Length}.");
        }

        if (WordEmbeddingDimension <= 0)
        {
            throw new InvalidDataException($"'{source}': word_embedding_dimension must be positive, found {WordEmbeddingDimension}.");
        }

        return selected[0];
    }

    /// <summary>Reads a <c>1_Pooling/config.json</c> file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The JSON is malformed.</exception>
    public static PoolingConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Pooling config not found: '{path}'.", path);
        }

        try
        {
            return JsonSerializer.Deserialize<PoolingConfig>(File.ReadAllText(path), LibraryJson.Plain)
                   ?? throw new InvalidDataException($"'{path}': expected a JSON object, found null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' line {e.LineNumber + 1}: not a valid pooling config ({e.Message}).", e);
        }
    }

    /// <summary>The config as sentence-transformers JSON text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, _writeOptions);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>.</summary>
    public void Save(string path) => File.WriteAllText(path, ToJson());
}
