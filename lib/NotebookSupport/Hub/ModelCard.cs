using System.Globalization;
using NotebookSupport.Models;

namespace NotebookSupport.Hub;

/// <summary>The <c>README.md</c> written beside a saved model, in the spirit of sentence-transformers' model cards.</summary>
internal static class ModelCard
{
    /// <summary>The model card's file name.</summary>
    public const string FileName = "README.md";

    public static string Create(SentenceTransformer model, string modelName)
    {
        var config = model.Transformer.Config;
        var pooling = model.Pooling.Mode switch
        {
            PoolingMode.Cls => "CLS token",
            PoolingMode.Max => "max over tokens",
            PoolingMode.Mean => "mean over tokens",
            _ => "mean over tokens divided by sqrt(length)",
        };
        var invariant = CultureInfo.InvariantCulture;
        return string.Join('\n',
        [
            "---",
            "library_name: sentence-transformers",
            "pipeline_tag: sentence-similarity",
            "tags:",
            "- sentence-transformers",
            "- feature-extraction",
            "- sentence-similarity",
            "---",
            "",
            $"# {modelName}",
            "",
            string.Create(invariant, $"A sentence-transformers model: it maps sentences to a {model.EmbeddingDimension}-dimensional dense vector space, for semantic search, clustering and similarity."),
            "Saved by NotebookSupport (TorchSharp).",
            "",
            "## Architecture",
            "",
            "```",
            string.Create(invariant, $"Transformer: BertModel, {config.NumHiddenLayers} layers, hidden size {config.HiddenSize}, {config.NumAttentionHeads} heads, max_seq_length {model.MaxSeqLength}"),
            $"Pooling: {pooling}",
            .. model.Normalize is null ? Array.Empty<string>() : ["Normalize: unit L2 length"],
            "```",
            "",
            "## Usage (Python)",
            "",
            "```python",
            "from sentence_transformers import SentenceTransformer",
            $"model = SentenceTransformer(\"path/to/{modelName}\")",
            "embeddings = model.encode([\"This is an example sentence\", \"Each sentence is converted\"])",
            "```",
            "",
            "## Usage (C#)",
            "",
            "```csharp",
            $"var model = SentenceTransformer.Load(\"path/to/{modelName}\");",
            "float[][] embeddings = model.Encode([\"This is an example sentence\", \"Each sentence is converted\"]);",
            "```",
            "",
        ]);
    }
}
