using System.Text.Json;
using System.Text.Json.Nodes;
using NotebookSupport.Models;

namespace NotebookSupport.Hub;

/// <summary>
/// Saves a <see cref="SentenceTransformer"/> as a sentence-transformers model folder that Python's
/// <c>SentenceTransformer(folder)</c> and <see cref="ModelLoader.Load"/> both load:
/// <code>
/// modules.json                      Transformer -> Pooling (-> Normalize)
/// config_sentence_transformers.json
/// sentence_bert_config.json         max_seq_length, do_lower_case
/// config.json                       Hugging Face BertModel config
/// model.safetensors                 BertModel weights, Hugging Face names
/// vocab.txt, tokenizer_config.json, special_tokens_map.json
/// 1_Pooling/config.json
/// 2_Normalize/                      (only with Normalize)
/// README.md                         model card
/// </code>
/// The save is atomic: everything is written into a hidden sibling folder that then replaces
/// <c>folder</c> by renames, so a crash never leaves a half-written model behind.
/// </summary>
public static class SentenceTransformerWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Saves <paramref name="model"/> into <paramref name="folder"/>, replacing any folder already there.</summary>
    /// <param name="model">The model to save.</param>
    /// <param name="folder">Destination folder (its parent is created if needed).</param>
    /// <param name="modelName">Name shown in the model card; default the folder name.</param>
    public static void Save(SentenceTransformer model, string folder, string? modelName = null)
    {
        var target = Path.GetFullPath(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"Cannot save a model as the root folder '{folder}'.", nameof(folder));
        Directory.CreateDirectory(parent);
        var name = Path.GetFileName(target);
        var staging = Path.Combine(parent, $".{name}.saving-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            WriteFiles(model, staging, modelName ?? name);
            Replace(staging, target);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private static void WriteFiles(SentenceTransformer model, string folder, string modelName)
    {
        var transformer = model.Transformer;
        var modules = new JsonArray
        {
            Module(0, "", SentenceTransformerLayout.TransformerType),
            Module(1, SentenceTransformerLayout.PoolingFolder, SentenceTransformerLayout.PoolingType),
        };
        if (model.Normalize is not null)
        {
            modules.Add(Module(2, SentenceTransformerLayout.NormalizeFolder, SentenceTransformerLayout.NormalizeType));
            Directory.CreateDirectory(Path.Combine(folder, SentenceTransformerLayout.NormalizeFolder));
        }
        WriteJson(Path.Combine(folder, SentenceTransformerLayout.ModulesFile), modules);

        WriteJson(Path.Combine(folder, SentenceTransformerLayout.ConfigFile), new JsonObject
        {
            // The versions whose folder format this matches; Python only compares them to warn about newer saves.
            ["__version__"] = new JsonObject
            {
                ["sentence_transformers"] = "3.0.1",
                ["transformers"] = "4.41.2",
                ["pytorch"] = "2.3.0",
            },
            ["prompts"] = new JsonObject(),
            ["default_prompt_name"] = null,
            ["similarity_fn_name"] = null,
        });
        WriteJson(Path.Combine(folder, SentenceTransformerLayout.SentenceBertConfigFile), new JsonObject
        {
            ["max_seq_length"] = model.MaxSeqLength,
            ["do_lower_case"] = false,
        });

        var config = JsonNode.Parse(transformer.Config.ToJson())!.AsObject();
        config["architectures"] = new JsonArray("BertModel");
        config["model_type"] = "bert";
        config["torch_dtype"] = "float32";
        WriteJson(Path.Combine(folder, SentenceTransformerLayout.ModelConfigFile), config);

        var state = transformer.AutoModel.state_dict();
        SafeTensors.Save(state, Path.Combine(folder, CheckpointFile.FileNames[0]));
        transformer.Tokenizer.Save(folder);

        var poolingFolder = Path.Combine(folder, SentenceTransformerLayout.PoolingFolder);
        Directory.CreateDirectory(poolingFolder);
        model.Pooling.Config.Save(Path.Combine(poolingFolder, SentenceTransformerLayout.PoolingConfigFile));

        File.WriteAllText(Path.Combine(folder, "README.md"), ModelCard.Create(model, modelName));
    }

    /// <summary>Moves <paramref name="staging"/> to <paramref name="target"/>; an existing target is set aside first and restored if the move fails.</summary>
    private static void Replace(string staging, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        var old = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.old-{Guid.NewGuid():N}");
        Directory.Move(target, old);
        try
        {
            Directory.Move(staging, target);
        }
        catch
        {
            Directory.Move(old, target);
            throw;
        }
        Directory.Delete(old, recursive: true);
    }

    private static JsonObject Module(int index, string path, string type) => new()
    {
        ["idx"] = index,
        ["name"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["path"] = path,
        ["type"] = type,
    };

    private static void WriteJson(string path, JsonNode node) => File.WriteAllText(path, node.ToJsonString(Indented));
}
