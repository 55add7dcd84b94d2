using NotebookSupport.Models;

namespace NotebookSupport.Tests.Models;

public sealed class BertConfigTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("bertconfig").FullName;

    // config.json of sentence-transformers/all-MiniLM-L6-v2 on the Hugging Face hub.
    private const string MiniLmConfigJson = """
        {
          "_name_or_path": "nreimers/MiniLM-L6-H384-uncased",
          "architectures": ["BertModel"],
          "attention_probs_dropout_prob": 0.1,
          "gradient_checkpointing": false,
          "hidden_act": "gelu",
          "hidden_dropout_prob": 0.1,
          "hidden_size": 384,
          "initializer_range": 0.02,
          "intermediate_size": 1536,
          "layer_norm_eps": 1e-12,
          "max_position_embeddings": 512,
          "model_type": "bert",
          "num_attention_heads": 12,
          "num_hidden_layers": 6,
          "pad_token_id": 0,
          "position_embedding_type": "absolute",
          "transformers_version": "4.8.2",
          "type_vocab_size": 2,
          "use_cache": true,
          "vocab_size": 30522
        }
        """;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void LoadsHuggingFaceConfigAndKeepsUnknownFields()
    {
        var path = Path.Combine(_folder, "config.json");
        File.WriteAllText(path, MiniLmConfigJson);
        var config = BertConfig.Load(path);
        Assert.Equal((384, 6, 12, 1536, 30522, 512, 2, 1e-12, "gelu"),
            (config.HiddenSize, config.NumHiddenLayers, config.NumAttentionHeads, config.IntermediateSize, config.VocabSize,
             config.MaxPositionEmbeddings, config.TypeVocabSize, config.LayerNormEps, config.HiddenAct));

        var copy = Path.Combine(_folder, "copy.json");
        config.Save(copy);
        var reloaded = BertConfig.Load(copy);
        Assert.Equal(config.ToJson(), reloaded.ToJson());
        Assert.Equal("4.8.2", reloaded.ExtraFields!["transformers_version"].GetString());
        Assert.Contains("\"hidden_size\": 384", File.ReadAllText(copy));
    }

    [Fact]
    public void MissingFieldsTakeTheBertBaseDefaults()
    {
        // What Hugging Face's BertConfig() gives for fields a config.json leaves out.
        var path = Path.Combine(_folder, "config.json");
        File.WriteAllText(path, """{ "hidden_size": 384, "num_attention_heads": 12 }""");

        var config = BertConfig.Load(path);

        Assert.Equal((384, 12, 30522, 12, 3072, 512, 2, 1e-12, 0.02, 0.1, 0.1, "gelu", "bert", "absolute"),
            (config.HiddenSize, config.NumAttentionHeads, config.VocabSize, config.NumHiddenLayers, config.IntermediateSize,
             config.MaxPositionEmbeddings, config.TypeVocabSize, config.LayerNormEps, config.InitializerRange,
             config.HiddenDropoutProb, config.AttentionProbsDropoutProb, config.HiddenAct, config.ModelType, config.PositionEmbeddingType));
        Assert.Equal(["BertModel"], config.Architectures);
    }

    [Fact]
    public void MalformedConfigNamesFileAndLine()
    {
        var path = Path.Combine(_folder, "config.json");
        File.WriteAllText(path, "{\n  \"hidden_size\": 384,\n  \"num_hidden_layers\": six\n}");
        var e = Assert.Throws<InvalidDataException>(() => BertConfig.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("line 3", e.Message);
    }

    [Fact]
    public void InconsistentConfigIsRejected()
    {
        var path = Path.Combine(_folder, "config.json");
        File.WriteAllText(path, """{ "hidden_size": 100, "num_attention_heads": 12 }""");
        var e = Assert.Throws<InvalidDataException>(() => BertConfig.Load(path));
        Assert.Contains("not a multiple of num_attention_heads", e.Message);
        Assert.Throws<FileNotFoundException>(() => BertConfig.Load(Path.Combine(_folder, "missing.json")));
    }
}
