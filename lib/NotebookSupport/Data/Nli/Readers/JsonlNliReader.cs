using System.Text.Json;

namespace NotebookSupport.Data.Nli.Readers;

/// <summary>
/// Reads the original SNLI 1.0 / MultiNLI 1.0 <c>.jsonl</c>: one JSON object per line with sentence1,
/// sentence2 and gold_label ("-" when the annotators disagreed), plus captionID (SNLI), genre and promptID
/// (MultiNLI) and pairID, which become extra columns when the first record has them.
/// </summary>
internal static class JsonlNliReader
{
    private static readonly NliFeature[] _knownExtras =
    [
        NliFeature.Text("captionID"),
        NliFeature.Text("genre"),
        NliFeature.Text("pairID"),
        new("promptID", NliValueType.Int32),
    ];

    public static NliDataset Load(string path, IProgress<NliLoadProgress>? progress)
    {
        using var file = TextDataFile.Open(path);
        NliFrameBuilder? builder = null;
        NliFeature[] extras = [];
        while (file.ReadLine() is { } line)
        {
            var lineNumber = file.LineNumber;
            if (string.IsNullOrWhiteSpace(line))
            {
                (builder ??= Create(path, extras, progress, file)).SkipLine("blank line");
                continue;
            }

            using var document = Parse(path, lineNumber, line);
            var record = document.RootElement;
            if (record.ValueKind != JsonValueKind.Object)
            {
                throw new DataFormatException(path, lineNumber, $"expected a JSON object, found {record.ValueKind}.");
            }

            if (builder is null)
            {
                extras = _knownExtras.Where(f => record.TryGetProperty(f.Name, out _)).ToArray();
                builder = Create(path, extras, progress, file);
            }

            var label = NliLabel.Parse(Text(path, lineNumber, record, "gold_label"), path, lineNumber, "gold_label");
            if (!builder.TryAdd(Text(path, lineNumber, record, "sentence1"), Text(path, lineNumber, record, "sentence2"), label))
            {
                continue;
            }

            for (var i = 0; i < extras.Length; i++)
            {
                builder.AddExtraText(i, Text(path, lineNumber, record, extras[i].Name), lineNumber);
            }
        }

        builder ??= Create(path, extras, progress, file);
        return builder.Build();
    }

    private static NliFrameBuilder Create(string path, NliFeature[] extras, IProgress<NliLoadProgress>? progress, TextDataFile file) =>
        new(path, extras, progress, () => file.Position, file.Length);

    private static JsonDocument Parse(string path, long line, string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, line, $"not valid JSON ({e.Message}).", e);
        }
    }

    private static string Text(string path, long line, JsonElement record, string field)
    {
        if (!record.TryGetProperty(field, out var value))
        {
            throw new DataFormatException(path, line, $"missing field \"{field}\".");
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new DataFormatException(path, line, $"field \"{field}\" should be a string but is {value.ValueKind}."),
        };
    }
}
