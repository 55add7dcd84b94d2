namespace NotebookSupport.Hub;

/// <summary>File names and module type names of a sentence-transformers model folder.</summary>
public static class SentenceTransformerLayout
{
    /// <summary>The list of modules, in order: <c>[{"idx": 0, "name": "0", "path": "", "type": "..."}, ...]</c>.</summary>
    public const string ModulesFile = "modules.json";

    /// <summary>Library versions the folder was saved with, prompts and similarity function.</summary>
    public const string ConfigFile = "config_sentence_transformers.json";

    /// <summary>The Transformer module's settings: <c>max_seq_length</c> and <c>do_lower_case</c>.</summary>
    public const string SentenceBertConfigFile = "sentence_bert_config.json";

    /// <summary>The Hugging Face model config.</summary>
    public const string ModelConfigFile = "config.json";

    /// <summary>The Pooling module's folder.</summary>
    public const string PoolingFolder = "1_Pooling";

    /// <summary>The Normalize module's folder (it holds no files).</summary>
    public const string NormalizeFolder = "2_Normalize";

    /// <summary>The config file inside a Pooling folder.</summary>
    public const string PoolingConfigFile = "config.json";

    /// <summary>Python type of the Transformer module.</summary>
    public const string TransformerType = "sentence_transformers.models.Transformer";

    /// <summary>Python type of the Pooling module.</summary>
    public const string PoolingType = "sentence_transformers.models.Pooling";

    /// <summary>Python type of the Normalize module.</summary>
    public const string NormalizeType = "sentence_transformers.models.Normalize";
}
