using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NotebookSupport.Notebooks;

/// <summary>
/// A Jupyter notebook (nbformat 4.5) read from and written to <c>.ipynb</c> in a stable, diff-friendly form: keys
/// sorted, one-space indent as Jupyter writes, multi-line text as lists of lines, non-ASCII and markup unescaped,
/// and every cell given an id.
/// </summary>
public sealed class NotebookDocument
{
    /// <summary>Creates a notebook with the standard C# metadata (<see cref="NotebookMetadata.Standard"/>).</summary>
    public NotebookDocument(string name, IEnumerable<NotebookCell> cells)
    {
        Name = name;
        Cells = cells.ToList();
        EnsureCellIds();
    }

    /// <summary>The notebook's file name, used in messages.</summary>
    public string Name { get; }

    /// <summary>The cells in order.</summary>
    public List<NotebookCell> Cells { get; }

    /// <summary>Notebook-level metadata.</summary>
    public JsonObject Metadata { get; set; } = NotebookMetadata.Standard();

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a notebook; the message names the file and the problem.</exception>
    public static NotebookDocument Load(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    /// <summary>Parses notebook JSON; <paramref name="name"/> is used in error messages.</summary>
    public static NotebookDocument Parse(string json, string name)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{name}: expected a JSON object at the top level.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{name}: line {e.LineNumber + 1}, column {e.BytePositionInLine + 1}: not valid JSON ({e.Message})", e);
        }

        if (root["nbformat"]?.GetValue<int>() != 4)
        {
            throw new InvalidDataException($"{name}: nbformat is {root["nbformat"]?.ToJsonString() ?? "missing"}; expected 4.");
        }

        var cells = root["cells"] as JsonArray ?? throw new InvalidDataException($"{name}: 'cells' is missing; expected an array.");
        var parsed = cells.Select((node, i) =>
        {
            var cell = node as JsonObject ?? throw new InvalidDataException($"{name}: cell {i} is not a JSON object.");
            var type = cell["cell_type"]?.ToString() ?? throw new InvalidDataException($"{name}: cell {i} has no cell_type.");
            var result = new NotebookCell(type, JoinText(cell["source"]), cell["id"]?.ToString())
            {
                Metadata = cell["metadata"]?.DeepClone() as JsonObject ?? [],
                ExecutionCount = cell["execution_count"] is JsonValue count && count.TryGetValue<int>(out var c) ? c : null,
            };
            if (cell["outputs"] is JsonArray outputs)
            {
                result.Outputs.AddRange(outputs.OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone()));
            }

            return result;
        }).ToList();

        return new NotebookDocument(name, parsed)
        {
            Metadata = root["metadata"]?.DeepClone() as JsonObject ?? [],
        };
    }

    /// <summary>Gives every cell without one an id, <c>cell-N</c> after its position, unique in the notebook.</summary>
    public void EnsureCellIds()
    {
        var used = Cells.Where(c => !string.IsNullOrEmpty(c.Id)).Select(c => c.Id!).ToHashSet();
        for (var i = 0; i < Cells.Count; i++)
        {
            if (!string.IsNullOrEmpty(Cells[i].Id))
            {
                continue;
            }

            var id = $"cell-{i:00}";
            for (var k = 2; used.Contains(id); k++)
            {
                id = $"cell-{i:00}-{k}";
            }

            Cells[i].Id = id;
            used.Add(id);
        }
    }

    /// <summary>The notebook as stable nbformat 4.5 JSON, ending in a newline.</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["cells"] = new JsonArray(Cells.Select(CellToJson).ToArray<JsonNode?>()),
            ["metadata"] = Metadata.DeepClone(),
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        var options = new JsonWriterOptions { Indented = true, IndentSize = 1, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, options))
        {
            Sorted(root)!.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray()).ReplaceLineEndings("\n") + "\n";
    }

    /// <summary>
    /// Writes <see cref="ToJson"/> to <paramref name="path"/> through a temporary file in the same folder, renamed over
    /// it, so an interrupted write never leaves a truncated notebook.
    /// </summary>
    public void Save(string path)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temporary, ToJson());
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Replaces every code cell's outputs and execution count with those of <paramref name="executed"/>, a run of this
    /// notebook; sources and metadata stay as they are (the kernel rewrites <c>language_info</c>, for one).
    /// </summary>
    /// <exception cref="InvalidOperationException">The run's cells are not this notebook's (it changed while it ran).</exception>
    public void CopyOutputsFrom(NotebookDocument executed)
    {
        if (executed.Cells.Count != Cells.Count || Cells.Where((cell, i) => cell.CellType != executed.Cells[i].CellType || cell.Source != executed.Cells[i].Source).Any())
        {
            throw new InvalidOperationException($"{Name} changed while it ran; run it again.");
        }

        for (var i = 0; i < Cells.Count; i++)
        {
            Cells[i].ExecutionCount = executed.Cells[i].ExecutionCount;
            Cells[i].Outputs.Clear();
            Cells[i].Outputs.AddRange(executed.Cells[i].Outputs.Select(o => (JsonObject)o.DeepClone()));
        }
    }

    private static JsonObject CellToJson(NotebookCell cell)
    {
        var json = new JsonObject
        {
            ["cell_type"] = cell.CellType,
            ["id"] = cell.Id,
            ["metadata"] = cell.Metadata.DeepClone(),
            ["source"] = Lines(cell.Source),
        };
        if (cell.IsCode)
        {
            json["execution_count"] = cell.ExecutionCount;
            json["outputs"] = new JsonArray(cell.Outputs.Select(o => (JsonNode?)SplitOutputText((JsonObject)o.DeepClone())).ToArray());
        }

        return json;
    }

    // Jupyter stores multi-line strings as lists of lines, each but the last ending in '\n'; diffs then show lines.
    // The kernel writes "\r\n" inside its HTML; one line ending keeps refreshed outputs free of line-ending churn.
    private static JsonObject SplitOutputText(JsonObject output)
    {
        if (output["text"] is JsonValue or JsonArray)
        {
            output["text"] = Lines(JoinText(output["text"]));
        }

        if (output["data"] is JsonObject data)
        {
            foreach (var key in data.Select(p => p.Key).ToList())
            {
                if (!key.EndsWith("json", StringComparison.Ordinal)
                    && (data[key] is JsonValue value && value.TryGetValue<string>(out _) || data[key] is JsonArray))
                {
                    data[key] = Lines(JoinText(data[key]));
                }
            }
        }

        return output;
    }

    internal static JsonArray Lines(string text)
    {
        var lines = new JsonArray();
        var start = 0;
        text = text.ReplaceLineEndings("\n");
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            end = end < 0 ? text.Length : end + 1;
            lines.Add(text[start..end]);
            start = end;
        }

        return lines;
    }

    internal static string JoinText(JsonNode? node) => node switch
    {
        null => "",
        JsonArray parts => string.Concat(parts.Select(p => p?.ToString())),
        _ => node.ToString(),
    };

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray array => new JsonArray(array.Select(Sorted).ToArray()),
        _ => node?.DeepClone(),
    };
}
