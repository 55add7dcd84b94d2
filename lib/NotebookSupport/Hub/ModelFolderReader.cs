using System.Text.Json;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using static TorchSharp.torch;

namespace NotebookSupport.Hub;

/// <summary>
/// Builds a <see cref="SentenceTransformer"/> from a folder: the sentence-transformers layout (<c>modules.json</c>)
/// or a plain Hugging Face BERT folder (<c>config.json</c>, weights, <c>vocab.txt</c>), which gets mean pooling as
/// sentence-transformers gives it.
/// </summary>
internal static class ModelFolderReader
{
    public static SentenceTransformer Read(string folder, ModelLoadOptions options)
    {
        var modulesPath = Path.Combine(folder, SentenceTransformerLayout.ModulesFile);
        if (File.Exists(modulesPath))
        {
            return ReadSentenceTransformer(folder, modulesPath, options);
        }
        if (!File.Exists(Path.Combine(folder, SentenceTransformerLayout.ModelConfigFile)))
        {
            throw new InvalidDataException(
                $"'{folder}' is not a model folder: expected {SentenceTransformerLayout.ModulesFile} (sentence-transformers) or " +
                $"{SentenceTransformerLayout.ModelConfigFile} + {string.Join("|", CheckpointFile.FileNames)} + {BertWordPieceTokenizer.VocabFileName} (Hugging Face BERT).");
        }
        var transformer = ReadTransformer(folder, maxSeqLength: null, doLowerCase: false, options);
        options.Report($"No sentence-transformers model found in '{folder}'; created one with mean pooling.");
        return new SentenceTransformer(transformer, new Pooling(transformer.Config.HiddenSize, PoolingMode.Mean));
    }

    private sealed record ModuleEntry(string Path, string Type);

    private static SentenceTransformer ReadSentenceTransformer(string folder, string modulesPath, ModelLoadOptions options)
    {
        var modules = ReadModules(modulesPath);
        if (modules.Count == 0 || modules[0].Type != SentenceTransformerLayout.TransformerType)
        {
            throw new InvalidDataException(
                $"'{modulesPath}': the first module must be {SentenceTransformerLayout.TransformerType}, found {(modules.Count == 0 ? "no modules" : modules[0].Type)}.");
        }
        var transformerFolder = Path.Combine(folder, modules[0].Path);
        var (maxSeqLength, doLowerCase) = ReadSentenceBertConfig(Path.Combine(transformerFolder, SentenceTransformerLayout.SentenceBertConfigFile));
        Pooling? pooling = null;
        string? poolingConfigPath = null;
        Normalize? normalize = null;
        foreach (var module in modules.Skip(1))
        {
            var place = $"'{modulesPath}': module '{module.Type}' (path '{module.Path}')";
            switch (module.Type)
            {
                case SentenceTransformerLayout.PoolingType when pooling is null && normalize is null:
                    poolingConfigPath = Path.Combine(folder, module.Path, SentenceTransformerLayout.PoolingConfigFile);
                    pooling = Pooling.FromConfig(PoolingConfig.Load(poolingConfigPath), poolingConfigPath);
                    break;
                case SentenceTransformerLayout.NormalizeType when normalize is null:
                    normalize = new Normalize();
                    break;
                case SentenceTransformerLayout.PoolingType or SentenceTransformerLayout.NormalizeType:
                    throw new InvalidDataException($"{place}: expected the order Transformer, Pooling, Normalize with each at most once.");
                default:
                    throw new InvalidDataException(
                        $"{place}: unsupported module type; supported are {SentenceTransformerLayout.TransformerType}, " +
                        $"{SentenceTransformerLayout.PoolingType} and {SentenceTransformerLayout.NormalizeType}.");
            }
        }

        var transformer = ReadTransformer(transformerFolder, maxSeqLength, doLowerCase, options);
        if (pooling is null)
        {
            options.Report($"'{modulesPath}' lists no Pooling module; using mean pooling.");
            pooling = new Pooling(transformer.Config.HiddenSize, PoolingMode.Mean);
        }
        if (pooling.WordEmbeddingDimension != transformer.Config.HiddenSize)
        {
            throw new InvalidDataException(
                $"'{poolingConfigPath}': " +
                $"word_embedding_dimension {pooling.WordEmbeddingDimension} does not match hidden_size {transformer.Config.HiddenSize} " +
                $"of '{Path.Combine(transformerFolder, SentenceTransformerLayout.ModelConfigFile)}'.");
        }
        return new SentenceTransformer(transformer, pooling, normalize);
    }

    private static List<ModuleEntry> ReadModules(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"'{path}': expected a JSON array of modules ({{\"idx\", \"name\", \"path\", \"type\"}}).");
            }
            var entries = document.RootElement.EnumerateArray()
                .Select((e, i) => (Index: e.TryGetProperty("idx", out var idx) && idx.ValueKind == JsonValueKind.Number ? idx.GetInt32() : i, Element: e))
                .OrderBy(e => e.Index)
                .Select(e => new ModuleEntry(
                    RequireInside(RequireString(e.Element, "path", path, e.Index), path, e.Index),
                    RequireString(e.Element, "type", path, e.Index)))
                .ToList();
            return entries;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' line {e.LineNumber + 1}: not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>
    /// A module path must name a folder inside the model folder: an absolute path or a <c>..</c> would make a
    /// downloaded or shared model read files from anywhere on this machine.
    /// </summary>
    private static string RequireInside(string modulePath, string modulesPath, int index)
    {
        var folder = Path.GetFullPath(Path.GetDirectoryName(Path.GetFullPath(modulesPath))!);
        var full = Path.GetFullPath(Path.Combine(folder, modulePath));
        bool inside = full == folder || full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (!inside || Path.IsPathRooted(modulePath) || modulePath.Split('/', '\\').Contains(".."))
        {
            throw new InvalidDataException(
                $"'{modulesPath}': module {index} has path '{modulePath}', which leaves the model folder; " +
                "expected a relative path inside it without '..', such as '1_Pooling' or ''.");
        }
        return modulePath;
    }

    private static string RequireString(JsonElement element, string name, string path, int index) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"'{path}': module {index} has no string \"{name}\".");

    private static (int? MaxSeqLength, bool DoLowerCase) ReadSentenceBertConfig(string path)
    {
        if (!File.Exists(path))
        {
            return (null, false);
        }
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            int? maxSeqLength = root.TryGetProperty("max_seq_length", out var max) && max.ValueKind != JsonValueKind.Null
                ? max.ValueKind == JsonValueKind.Number && max.TryGetInt32(out var m) && m > 1
                    ? m
                    : throw new InvalidDataException($"'{path}': max_seq_length must be an integer greater than 1, found {max.GetRawText()}.")
                : null;
            bool doLowerCase = root.TryGetProperty("do_lower_case", out var lower) && lower.ValueKind == JsonValueKind.True;
            return (maxSeqLength, doLowerCase);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' line {e.LineNumber + 1}: not valid JSON ({e.Message}).", e);
        }
    }

    private static Transformer ReadTransformer(string folder, int? maxSeqLength, bool doLowerCase, ModelLoadOptions options)
    {
        var configPath = Path.Combine(folder, SentenceTransformerLayout.ModelConfigFile);
        var config = BertConfig.Load(configPath);
        var weightsPath = CheckpointFile.Find(folder)
            ?? throw new FileNotFoundException(
                $"'{folder}' has no weights: expected {string.Join(" or ", CheckpointFile.FileNames)}.",
                Path.Combine(folder, CheckpointFile.FileNames[0]));
        var tokenizer = BertWordPieceTokenizer.FromFolder(folder);
        if (doLowerCase && !tokenizer.DoLowerCase)
        {
            // sentence-transformers lower-cases the text itself when do_lower_case is set; lower-casing in the tokenizer
            // is the same as long as accent stripping stays as it was.
            tokenizer = BertWordPieceTokenizer.FromVocabFile(
                Path.Combine(folder, BertWordPieceTokenizer.VocabFileName),
                tokenizer.Config with { DoLowerCase = true, StripAccents = tokenizer.StripAccents });
        }
        if (tokenizer.VocabSize > config.VocabSize)
        {
            throw new InvalidDataException(
                $"'{Path.Combine(folder, BertWordPieceTokenizer.VocabFileName)}' has {tokenizer.VocabSize} tokens but vocab_size in '{configPath}' is {config.VocabSize}.");
        }

        var bert = new BertModel(config);
        var weights = CheckpointFile.Load(weightsPath);
        try
        {
            WeightDTypes.MatchModel(weights, bert.state_dict(), weightsPath, options.Report);
            ReportUnusedWeights(weights, bert, weightsPath, options);
            bert.LoadWeights(weights, weightsPath, strict: false);
        }
        catch (InvalidDataException e)
        {
            bert.Dispose();
            throw new InvalidDataException($"{e.Message} The config is '{configPath}'.", e);
        }
        catch
        {
            bert.Dispose();
            throw;
        }
        finally
        {
            foreach (var tensor in weights.Values)
            {
                tensor.Dispose();
            }
        }

        // As sentence-transformers: without a sentence_bert_config.json the limit is what both tokenizer and model allow.
        var limit = maxSeqLength ?? Math.Min(tokenizer.Config.ModelMaxLength ?? int.MaxValue, config.MaxPositionEmbeddings);
        if (limit > config.MaxPositionEmbeddings)
        {
            throw new InvalidDataException(
                $"'{Path.Combine(folder, SentenceTransformerLayout.SentenceBertConfigFile)}': max_seq_length {limit} exceeds max_position_embeddings {config.MaxPositionEmbeddings} of '{configPath}'.");
        }
        return new Transformer(bert, tokenizer, limit);
    }

    /// <summary>Names the weights a task checkpoint carries beyond the encoder (pre-training heads, buffers), as transformers warns.</summary>
    private static void ReportUnusedWeights(Dictionary<string, Tensor> weights, BertModel bert, string weightsPath, ModelLoadOptions options)
    {
        var own = bert.state_dict().Keys.ToHashSet(StringComparer.Ordinal);
        bool prefixed = weights.Keys.Any(k => k.StartsWith("bert.", StringComparison.Ordinal));
        var ignored = weights.Keys
            .Where(k => (prefixed && !k.StartsWith("bert.", StringComparison.Ordinal))
                        || k.EndsWith("embeddings.position_ids", StringComparison.Ordinal)
                        || k.EndsWith("embeddings.token_type_ids", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (ignored.Count > 0)
        {
            options.Report($"'{weightsPath}': {ignored.Count} weights not used by BertModel (task heads and buffers): {string.Join(", ", ignored)}.");
        }
        var missingPooler = own.Where(k => k.StartsWith("pooler.", StringComparison.Ordinal)
                                           && !weights.ContainsKey(k) && !weights.ContainsKey("bert." + k)).ToList();
        if (missingPooler.Count > 0)
        {
            options.Report($"'{weightsPath}': no {string.Join(", ", missingPooler)}; the pooler keeps its random initialisation (sentence embeddings do not use it).");
        }
    }
}
