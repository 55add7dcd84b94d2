using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace NotebookSupport.Data.Nli.Readers;

/// <summary>
/// Reads Hugging Face parquet files (<c>stanfordnlp/snli</c> plain_text, <c>nyu-mll/glue</c> mnli) row group by
/// row group: premise, hypothesis, label and every other column (e.g. idx) as an extra. The features keep the
/// file's types and nullability, and the <c>ClassLabel</c> names from the "huggingface" key-value metadata
/// that <c>datasets</c> writes.
/// </summary>
internal static class ParquetNliReader
{
    public static async Task<NliDataset> LoadAsync(string path, IProgress<NliLoadProgress>? progress, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true, cancellationToken: cancellationToken);
        }
        catch (IOException e)
        {
            throw new DataFormatException(path, null, $"not a readable parquet file ({e.Message}).", e);
        }

        await using (reader)
        {
            var classNames = ReadClassNames(path, reader.CustomMetadata);
            var fields = reader.Schema.GetDataFields();
            DataField Field(string name) => fields.FirstOrDefault(f => f.Name == name)
                ?? throw new DataFormatException(path, null,
                    $"no '{name}' column; a Hugging Face NLI parquet has premise, hypothesis and label, this one has {string.Join(", ", fields.Select(f => f.Name))}.");

            var premise = Feature(path, Field("premise"), classNames);
            var hypothesis = Feature(path, Field("hypothesis"), classNames);
            var label = Feature(path, Field("label"), classNames);
            if (premise.Type != NliValueType.String || hypothesis.Type != NliValueType.String || label.Type == NliValueType.String)
            {
                throw new DataFormatException(path, null,
                    $"expected string premise and hypothesis and an integer label, found {premise}, {hypothesis}, {label}.");
            }

            var extraFields = fields.Where(f => f.Name is not ("premise" or "hypothesis" or "label")).ToArray();
            var extras = extraFields.Select(f => Feature(path, f, classNames)).ToList();
            var builder = new NliFrameBuilder(path, extras, progress, () => stream.Position, stream.Length);
            for (var group = 0; group < reader.RowGroupCount; group++)
            {
                using var rowGroup = reader.OpenRowGroupReader(group);
                var rows = checked((int)rowGroup.RowCount);
                var premises = await ReadStrings(rowGroup, Field("premise"), rows, cancellationToken);
                var hypotheses = await ReadStrings(rowGroup, Field("hypothesis"), rows, cancellationToken);
                var labels = await ReadNumbers(rowGroup, Field("label"), rows, cancellationToken);
                var extraValues = new List<object>();
                foreach (var field in extraFields)
                {
                    extraValues.Add(IsText(field)
                        ? await ReadStrings(rowGroup, field, rows, cancellationToken)
                        : await ReadNumbers(rowGroup, field, rows, cancellationToken));
                }

                for (var row = 0; row < rows; row++)
                {
                    if (!builder.TryAdd(premises[row], hypotheses[row], labels[row]))
                    {
                        continue;
                    }

                    for (var i = 0; i < extraValues.Count; i++)
                    {
                        if (extraValues[i] is string?[] strings)
                        {
                            builder.AddExtraText(i, strings[row], null);
                        }
                        else
                        {
                            builder.AddExtraNumber(i, ((long?[])extraValues[i])[row]);
                        }
                    }
                }

            }

            return builder.Build(premise, hypothesis, label);
        }
    }

    private static NliFeature Feature(string path, DataField field, IReadOnlyDictionary<string, string[]> classNames)
    {
        var type = IsText(field) ? NliValueType.String
            : field.ClrType == typeof(int) ? NliValueType.Int32
            : field.ClrType == typeof(long) ? NliValueType.Int64
            : throw new DataFormatException(path, null,
                $"column '{field.Name}' has type {field.ClrType.Name}; only string, int32 and int64 columns are supported.");
        if (field.IsArray)
        {
            throw new DataFormatException(path, null, $"column '{field.Name}' is a list; only flat columns are supported.");
        }

        return new NliFeature(field.Name, type, field.IsNullable, classNames.GetValueOrDefault(field.Name));
    }

    /// <summary>Parquet.Net 6 reports UTF-8 string columns as <c>ReadOnlyMemory&lt;char&gt;</c>; older versions as string.</summary>
    private static bool IsText(DataField field) =>
        field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>);

    private static async Task<string?[]> ReadStrings(ParquetRowGroupReader rowGroup, DataField field, int rows, CancellationToken cancellationToken)
    {
        var values = new string?[rows];
        await rowGroup.ReadAsync(field, values.AsMemory()!, null, cancellationToken);
        return values;
    }

    private static async Task<long?[]> ReadNumbers(ParquetRowGroupReader rowGroup, DataField field, int rows, CancellationToken cancellationToken)
    {
        var values = new long?[rows];
        if (field.ClrType == typeof(int))
        {
            var ints = new int?[rows];
            if (field.IsNullable)
            {
                await rowGroup.ReadAsync<int>(field, ints.AsMemory(), null, cancellationToken);
            }
            else
            {
                var required = new int[rows];
                await rowGroup.ReadAsync<int>(field, required.AsMemory(), null, cancellationToken);
                Array.Copy(required.Select(v => (int?)v).ToArray(), ints, rows);
            }

            for (var i = 0; i < rows; i++)
            {
                values[i] = ints[i];
            }
        }
        else if (field.IsNullable)
        {
            await rowGroup.ReadAsync<long>(field, values.AsMemory(), null, cancellationToken);
        }
        else
        {
            var required = new long[rows];
            await rowGroup.ReadAsync<long>(field, required.AsMemory(), null, cancellationToken);
            for (var i = 0; i < rows; i++)
            {
                values[i] = required[i];
            }
        }

        return values;
    }

    /// <summary>ClassLabel names per column from the "huggingface" metadata: {"info": {"features": {"label": {"names": [...], "_type": "ClassLabel"}}}}.</summary>
    private static Dictionary<string, string[]> ReadClassNames(string path, IReadOnlyDictionary<string, string> metadata)
    {
        var result = new Dictionary<string, string[]>();
        if (!metadata.TryGetValue("huggingface", out var json))
        {
            return result;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (!document.RootElement.TryGetProperty("info", out var info) || !info.TryGetProperty("features", out var features))
            {
                return result;
            }

            foreach (var feature in features.EnumerateObject())
            {
                if (feature.Value.ValueKind == JsonValueKind.Object
                    && feature.Value.TryGetProperty("_type", out var type) && type.GetString() == "ClassLabel"
                    && feature.Value.TryGetProperty("names", out var names))
                {
                    result[feature.Name] = names.EnumerateArray().Select(n => n.GetString() ?? "").ToArray();
                }
            }
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, null, $"the \"huggingface\" metadata is not valid JSON ({e.Message}).", e);
        }

        return result;
    }
}
