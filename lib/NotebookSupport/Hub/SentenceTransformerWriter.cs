using System.Text.Json;
using System.Text.Json.Nodes;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;

namespace NotebookSupport.Hub;

/// <summary>
/// Saves a <see cref="SentenceTransformer"/> as a sentence-transformers model folder that Python's
/// <c>SentenceTransformer(folder)</c> and <see cref="SentenceTransformer.Load"/> both load: the implementation behind
/// <see cref="SentenceTransformer.Save"/>.
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
/// <para>
/// As Python's <c>save()</c>, a save writes only these files and leaves every other file in the folder alone, so
/// <c>model.Save(".")</c> beside notes, data or a git checkout keeps them byte for byte. Two cases need
/// <c>overwrite: true</c>, and are otherwise refused with an <see cref="IOException"/> naming the files: the folder
/// holds files with these names but is not a sentence-transformers model folder (no <c>modules.json</c>: a project's
/// own <c>README.md</c> or <c>config.json</c>), or it holds model files this save would not write and a loader would
/// still read (<c>pytorch_model.bin</c>, <c>tokenizer.json</c>, <c>2_Normalize/</c> of a model saved with Normalize,
/// module folders of the old <c>modules.json</c>). With <c>overwrite</c> those model files are removed; files outside
/// the model layout never are.
/// </para>
/// <para>
/// The save is atomic and durable, per folder rather than by swapping folders: the files are staged and flushed in
/// <c>FOLDER/.saving-GUID/</c>, a flushed commit record makes the save happen, and the files are then renamed over the
/// old ones (see <see cref="ModelFolderTransaction"/>). Swapping a whole staged folder in
/// (<see cref="DurableFile.ReplaceFolder"/>) would be atomic without recovery, but cannot work beside foreign files,
/// replaces a symbolic link with a folder, and leaves a shell whose working folder is the output (<c>--output .</c>)
/// in a deleted folder; one mechanism for every folder is also one to test. A kill at any moment leaves the complete
/// old model (before the commit) or a committed save that the next <see cref="SentenceTransformer.Load"/> or <c>Save</c>
/// finishes (after it), with a message through the log callback; leftovers of interrupted saves, including this
/// library's earlier <c>.NAME.saving-*</c> and <c>.NAME.old-*</c> folders, are cleaned or used to restore the model.
/// </para>
/// </summary>
public static class SentenceTransformerWriter
{
    private static readonly JsonSerializerOptions _indented = LibraryJson.Indented;

    /// <summary>
    /// Saves <paramref name="model"/> into <paramref name="folder"/>: writes the model's files, replacing an earlier
    /// model's, and leaves every other file alone (see the class remarks for what needs <paramref name="overwrite"/>).
    /// </summary>
    /// <param name="model">The model to save.</param>
    /// <param name="folder">Destination folder (created with its parents if needed).</param>
    /// <param name="modelName">Name shown in the model card; default the folder name.</param>
    /// <param name="overwrite">Replace files with the model's names in a folder that holds no sentence-transformers
    /// model, and remove model files of another layout that this save does not write.</param>
    /// <param name="log">Receives a line for each leftover of an interrupted save that is repaired; default stderr.</param>
    /// <exception cref="IOException">The folder holds files that need <paramref name="overwrite"/>; the message names them.</exception>
    public static void Save(SentenceTransformer model, string folder, string? modelName = null, bool overwrite = false, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var target = Path.GetFullPath(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        if (Path.GetDirectoryName(target) is null)
        {
            throw new ArgumentException($"Cannot save a model as the root folder '{folder}'.", nameof(folder));
        }
        ModelFolderTransaction.Recover(target, log ?? Console.Error.WriteLine);
        var staging = ModelFolderTransaction.Begin(target);
        try
        {
            WriteFiles(model, staging, modelName ?? Path.GetFileName(target));
            var (replaced, stale) = ModelFolderTransaction.Conflicts(target, staging);
            if (!overwrite && (replaced.Count > 0 || stale.Count > 0))
            {
                throw new IOException(ConflictMessage(target, replaced, stale));
            }
            ModelFolderTransaction.Commit(staging, target, stale);
        }
        finally
        {
            ModelFolderTransaction.Abandon(staging);
        }
    }

    /// <summary>
    /// The files of <paramref name="folder"/> that saving a model there would replace or remove (model files of any
    /// layout, see the class remarks), relative to it; empty when the folder is missing or holds none.
    /// </summary>
    public static IReadOnlyList<string> ExistingModelFiles(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }
        string[] own =
        [
            SentenceTransformerLayout.ModulesFile, SentenceTransformerLayout.ConfigFile, SentenceTransformerLayout.SentenceBertConfigFile,
            SentenceTransformerLayout.ModelConfigFile, CheckpointFile.FileNames[0], BertWordPieceTokenizer.VocabFileName,
            "tokenizer_config.json", "special_tokens_map.json", ModelCard.FileName,
            Path.Combine(SentenceTransformerLayout.PoolingFolder, SentenceTransformerLayout.PoolingConfigFile),
        ];
        var stale = ModelFolderTransaction.Stale(folder, new HashSet<string>(StringComparer.Ordinal) { SentenceTransformerLayout.PoolingFolder });
        return [.. own.Where(f => File.Exists(Path.Combine(folder, f))).Concat(stale).Distinct().Order(StringComparer.Ordinal)];
    }

    private static string ConflictMessage(string target, IReadOnlyList<string> replaced, IReadOnlyList<string> stale)
    {
        var parts = new List<string>();
        if (replaced.Count > 0)
        {
            parts.Add($"it holds no sentence-transformers model ({SentenceTransformerLayout.ModulesFile} is missing) but has files the save would replace: {string.Join(", ", replaced)}");
        }
        if (stale.Count > 0)
        {
            parts.Add($"it holds model files this model does not have, which would stay and change what loads: {string.Join(", ", stale)}");
        }
        return $"{target}: not saving the model there: {string.Join("; ", parts)}. Nothing was changed. Save into another folder, or pass " +
               "overwrite: true (st: --overwrite) to replace and remove these model files; other files in the folder are never touched.";
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

        File.WriteAllText(Path.Combine(folder, ModelCard.FileName), ModelCard.Create(model, modelName));
    }

    private static JsonObject Module(int index, string path, string type) => new()
    {
        ["idx"] = index,
        ["name"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["path"] = path,
        ["type"] = type,
    };

    private static void WriteJson(string path, JsonNode node) => File.WriteAllText(path, node.ToJsonString(_indented));
}
