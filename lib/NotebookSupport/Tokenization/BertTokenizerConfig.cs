using System.Text.Encodings.Web;
using System.Text.Json;

namespace NotebookSupport.Tokenization;

/// <summary>
/// The settings Hugging Face keeps beside <c>vocab.txt</c> in <c>tokenizer_config.json</c> and
/// <c>special_tokens_map.json</c>, with Hugging Face's defaults.
/// </summary>
/// <param name="DoLowerCase">Lower-case the text before WordPiece (<c>do_lower_case</c>; uncased models).</param>
/// <param name="StripAccents">Remove accents (<c>strip_accents</c>); <c>null</c> follows <paramref name="DoLowerCase"/>.</param>
/// <param name="TokenizeChineseChars">Make every CJK ideograph a word of its own (<c>tokenize_chinese_chars</c>).</param>
/// <param name="ModelMaxLength">Longest input the model accepts (<c>model_max_length</c>); <c>null</c> when unlimited.</param>
/// <param name="UnkToken">Token for words WordPiece cannot spell (<c>unk_token</c>).</param>
/// <param name="SepToken">Token that ends a sequence (<c>sep_token</c>).</param>
/// <param name="PadToken">Token that fills a batch to its longest sequence (<c>pad_token</c>).</param>
/// <param name="ClsToken">Token that starts a sequence (<c>cls_token</c>).</param>
/// <param name="MaskToken">Token of masked-language-model training (<c>mask_token</c>).</param>
public sealed record BertTokenizerConfig(
    bool DoLowerCase = true,
    bool? StripAccents = null,
    bool TokenizeChineseChars = true,
    int? ModelMaxLength = 512,
    string UnkToken = "[UNK]",
    string SepToken = "[SEP]",
    string PadToken = "[PAD]",
    string ClsToken = "[CLS]",
    string MaskToken = "[MASK]")
{
    /// <summary>File name of the tokenizer settings.</summary>
    public const string TokenizerConfigFileName = "tokenizer_config.json";

    /// <summary>File name of the special-token names.</summary>
    public const string SpecialTokensMapFileName = "special_tokens_map.json";

    /// <summary>Whether accents are removed: <see cref="StripAccents"/>, or <see cref="DoLowerCase"/> when that is unset.</summary>
    public bool StripsAccents => StripAccents ?? DoLowerCase;

    /// <summary>The special tokens in Hugging Face's order (unk, sep, pad, cls, mask) with their config keys.</summary>
    public IReadOnlyList<(string Key, string Token)> SpecialTokens =>
        [("unk_token", UnkToken), ("sep_token", SepToken), ("pad_token", PadToken), ("cls_token", ClsToken), ("mask_token", MaskToken)];

    /// <summary>
    /// Reads <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> from <paramref name="folder"/>; a missing
    /// file or key keeps the default. Malformed JSON or a value of the wrong type is an error naming the file.
    /// </summary>
    public static BertTokenizerConfig Load(string folder)
    {
        var config = new BertTokenizerConfig();
        string configPath = Path.Combine(folder, TokenizerConfigFileName);
        if (File.Exists(configPath))
        {
            using JsonDocument doc = ParseObject(configPath);
            JsonElement root = doc.RootElement;
            config = config with
            {
                DoLowerCase = ReadBool(root, "do_lower_case", configPath) ?? config.DoLowerCase,
                StripAccents = ReadBool(root, "strip_accents", configPath),
                TokenizeChineseChars = ReadBool(root, "tokenize_chinese_chars", configPath) ?? config.TokenizeChineseChars,
                ModelMaxLength = ReadModelMaxLength(root, configPath),
            };
            config = WithSpecialTokens(config, root, configPath);
        }

        string mapPath = Path.Combine(folder, SpecialTokensMapFileName);
        if (File.Exists(mapPath))
        {
            using JsonDocument doc = ParseObject(mapPath);
            config = WithSpecialTokens(config, doc.RootElement, mapPath);
        }

        return config;
    }

    /// <summary>
    /// Writes <c>tokenizer_config.json</c> and <c>special_tokens_map.json</c> as <c>save_pretrained</c> of Hugging
    /// Face's <c>BertTokenizer</c> does (sorted keys, two-space indent), so Python loads them unchanged.
    /// </summary>
    /// <param name="folder">Existing destination folder.</param>
    /// <param name="specialTokensById">The special tokens that are in the vocabulary, by id.</param>
    internal void Save(string folder, IReadOnlyDictionary<int, string> specialTokensById)
    {
        WriteJson(Path.Combine(folder, TokenizerConfigFileName), w =>
        {
            w.WriteStartObject("added_tokens_decoder");
            foreach ((int id, string token) in specialTokensById.OrderBy(kv => kv.Key.ToString(), StringComparer.Ordinal))
            {
                w.WriteStartObject(id.ToString());
                w.WriteString("content", token);
                w.WriteBoolean("lstrip", false);
                w.WriteBoolean("normalized", false);
                w.WriteBoolean("rstrip", false);
                w.WriteBoolean("single_word", false);
                w.WriteBoolean("special", true);
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteBoolean("clean_up_tokenization_spaces", true);
            w.WriteString("cls_token", ClsToken);
            w.WriteBoolean("do_basic_tokenize", true);
            w.WriteBoolean("do_lower_case", DoLowerCase);
            w.WriteString("mask_token", MaskToken);
            if (ModelMaxLength is int max)
            {
                w.WriteNumber("model_max_length", max);
            }

            w.WriteNull("never_split");
            w.WriteString("pad_token", PadToken);
            w.WriteString("sep_token", SepToken);
            if (StripAccents is bool strip)
            {
                w.WriteBoolean("strip_accents", strip);
            }
            else
            {
                w.WriteNull("strip_accents");
            }

            w.WriteBoolean("tokenize_chinese_chars", TokenizeChineseChars);
            w.WriteString("tokenizer_class", "BertTokenizer");
            w.WriteString("unk_token", UnkToken);
        });

        WriteJson(Path.Combine(folder, SpecialTokensMapFileName), w =>
        {
            foreach ((string key, string token) in SpecialTokens.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                w.WriteString(key, token);
            }
        });
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> writeProperties)
    {
        using (FileStream stream = File.Create(path))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writeProperties(writer);
            writer.WriteEndObject();
        }

        File.AppendAllText(path, "\n");
    }

    private static JsonDocument ParseObject(string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{path} line {e.LineNumber + 1}, column {e.BytePositionInLine + 1}: not valid JSON ({e.Message}).", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Cannot read {path}: {e.Message}", e);
        }

        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw new InvalidDataException($"{path}: expected a JSON object at the top level.");
        }

        return doc;
    }

    private static bool? ReadBool(JsonElement root, string key, string path)
    {
        if (!root.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{path}: \"{key}\" must be true, false or null, found {value.GetRawText()}."),
        };
    }

    /// <summary>Hugging Face writes 1e30 (its "no limit") when a tokenizer has no maximum; that reads as <c>null</c>.</summary>
    private static int? ReadModelMaxLength(JsonElement root, string path)
    {
        if (!root.TryGetProperty("model_max_length", out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double max) || max < 1 || max != Math.Floor(max))
        {
            throw new InvalidDataException($"{path}: \"model_max_length\" must be a positive integer, found {value.GetRawText()}.");
        }

        return max > int.MaxValue ? null : (int)max;
    }

    private static BertTokenizerConfig WithSpecialTokens(BertTokenizerConfig config, JsonElement root, string path) =>
        config with
        {
            UnkToken = ReadToken(root, "unk_token", path) ?? config.UnkToken,
            SepToken = ReadToken(root, "sep_token", path) ?? config.SepToken,
            PadToken = ReadToken(root, "pad_token", path) ?? config.PadToken,
            ClsToken = ReadToken(root, "cls_token", path) ?? config.ClsToken,
            MaskToken = ReadToken(root, "mask_token", path) ?? config.MaskToken,
        };

    /// <summary>A special token is written either as a string or as an AddedToken object with a "content" string.</summary>
    private static string? ReadToken(JsonElement root, string key, string path)
    {
        if (!root.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s)
        {
            return s;
        }

        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out JsonElement content)
            && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } c)
        {
            return c;
        }

        throw new InvalidDataException(
            $"{path}: \"{key}\" must be a non-empty string or an object with a \"content\" string, found {value.GetRawText()}.");
    }
}
