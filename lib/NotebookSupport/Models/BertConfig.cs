using System.Text.Json;
using System.Text.Json.Serialization;
using NotebookSupport.Hub;

namespace NotebookSupport.Models;

/// <summary>
/// The shape and hyper-parameters of a BERT encoder, with the field names of Hugging Face's <c>config.json</c>
/// (<c>BertConfig</c> in transformers). Defaults are those of <c>bert-base-uncased</c>.
/// </summary>
/// <remarks>
/// Fields this class does not model (<c>transformers_version</c>, <c>torch_dtype</c>, ...) are kept in
/// <see cref="ExtraFields"/> so that loading and saving a <c>config.json</c> does not lose them.
/// <code>
/// var config = BertConfig.Load("my-model/config.json");
/// var bert = new BertModel(config);
/// </code>
/// </remarks>
public sealed record BertConfig
{
    [JsonPropertyName("architectures")] public IReadOnlyList<string> Architectures { get; init; } = ["BertModel"];
    [JsonPropertyName("model_type")] public string ModelType { get; init; } = "bert";
    /// <summary>Number of rows of the word-embedding table.</summary>
    [JsonPropertyName("vocab_size")] public int VocabSize { get; init; } = 30522;
    /// <summary>Width of every token vector (the embedding dimension of the sentence embeddings).</summary>
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; init; } = 768;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; init; } = 12;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; init; } = 12;
    /// <summary>Width of the feed-forward layer inside each transformer block.</summary>
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; init; } = 3072;
    /// <summary><c>gelu</c> (erf, as in the original BERT), <c>gelu_new</c> (tanh approximation) or <c>relu</c>.</summary>
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; init; } = "gelu";
    [JsonPropertyName("hidden_dropout_prob")] public double HiddenDropoutProb { get; init; } = 0.1;
    [JsonPropertyName("attention_probs_dropout_prob")] public double AttentionProbsDropoutProb { get; init; } = 0.1;
    /// <summary>Longest input the position-embedding table allows.</summary>
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; init; } = 512;
    [JsonPropertyName("type_vocab_size")] public int TypeVocabSize { get; init; } = 2;
    /// <summary>Standard deviation of the normal distribution used for random initialisation.</summary>
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; init; } = 0.02;
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; init; } = 1e-12;
    [JsonPropertyName("pad_token_id")] public int PadTokenId { get; init; }
    /// <summary>Only <c>absolute</c> position embeddings are supported.</summary>
    [JsonPropertyName("position_embedding_type")] public string PositionEmbeddingType { get; init; } = "absolute";

    /// <summary>Fields of the JSON file this record does not model, written back unchanged by <see cref="Save"/>.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtraFields { get; init; }

    private static readonly JsonSerializerOptions _writeOptions = LibraryJson.Indented;

    /// <summary>Reads a Hugging Face <c>config.json</c>; missing fields take the bert-base defaults.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The JSON is malformed or describes an unsupported or inconsistent model.</exception>
    public static BertConfig Load(string configJsonPath)
    {
        if (!File.Exists(configJsonPath))
        {
            throw new FileNotFoundException($"BERT config file not found: '{configJsonPath}'.", configJsonPath);
        }

        BertConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<BertConfig>(File.ReadAllText(configJsonPath), LibraryJson.Plain);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"'{configJsonPath}' line {e.LineNumber + 1}: not a valid BERT config.json ({e.Message}).", e);
        }
        if (config is null)
        {
            throw new InvalidDataException($"'{configJsonPath}': expected a JSON object, found null.");
        }

        config.Validate(configJsonPath);
        return config;
    }

    /// <summary>The config as Hugging Face <c>config.json</c> text.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, _writeOptions);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>.</summary>
    public void Save(string path) => File.WriteAllText(path, ToJson());

    /// <summary>Throws if the values cannot describe a working BERT encoder.</summary>
    /// <param name="source">Where the config came from, for the error message.</param>
    /// <exception cref="InvalidDataException">A value is out of range or unsupported.</exception>
    public void Validate(string source)
    {
        void Require(bool ok, string what)
        {
            if (!ok)
            {
                throw new InvalidDataException($"'{source}': {what}");
            }
        }
        Require(ModelType == "bert", $"model_type is '{ModelType}', expected 'bert'.");
        Require(VocabSize > 0 && HiddenSize > 0 && NumHiddenLayers > 0 && NumAttentionHeads > 0 && IntermediateSize > 0
                && MaxPositionEmbeddings > 0 && TypeVocabSize > 0,
            "vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size, " +
            "max_position_embeddings and type_vocab_size must all be positive.");
        Require(HiddenSize % NumAttentionHeads == 0,
            $"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}.");
        Require(HiddenAct is "gelu" or "gelu_new" or "relu", $"hidden_act '{HiddenAct}' is not supported (gelu, gelu_new, relu).");
        Require(PositionEmbeddingType == "absolute",
            $"position_embedding_type '{PositionEmbeddingType}' is not supported (absolute).");
        Require(PadTokenId >= 0 && PadTokenId < VocabSize, $"pad_token_id {PadTokenId} is outside the vocabulary (size {VocabSize}).");
        Require(LayerNormEps > 0, $"layer_norm_eps must be positive, found {LayerNormEps}.");
    }
}
