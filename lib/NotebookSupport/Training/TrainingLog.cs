using System.Text.Json;
using System.Text.Json.Serialization;
using NotebookSupport.Hub;

namespace NotebookSupport.Training;

/// <summary>
/// The JSON-lines training log: one <see cref="TrainingLogEntry"/> per line, flushed as training runs so it can be
/// followed with <c>tail -f</c> or plotted while training continues.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    private static readonly JsonSerializerOptions _json = LibraryJson.WithOptions(ignore: JsonIgnoreCondition.WhenWritingNull);
    private readonly StreamWriter _writer;

    private TrainingLog(StreamWriter writer) => _writer = writer;

    /// <summary>Creates (or replaces) the log at <paramref name="path"/>, starting with <paramref name="existing"/> entries (kept on resume).</summary>
    public static TrainingLog Open(string path, IEnumerable<TrainingLogEntry> existing)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        var log = new TrainingLog(new StreamWriter(path, append: false));
        foreach (var entry in existing)
        {
            log._writer.WriteLine(ToJson(entry));
        }
        log._writer.Flush();
        return log;
    }

    /// <summary>Appends one entry and flushes it.</summary>
    public void Append(TrainingLogEntry entry)
    {
        _writer.WriteLine(ToJson(entry));
        _writer.Flush();
    }

    /// <inheritdoc />
    public void Dispose() => _writer.Dispose();

    /// <summary>One entry as a JSON line.</summary>
    public static string ToJson(TrainingLogEntry entry) => JsonSerializer.Serialize(entry, _json);

    /// <summary>Writes all <paramref name="entries"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, IEnumerable<TrainingLogEntry> entries)
    {
        using var log = Open(path, entries);
    }

    /// <summary>Reads a log written by <see cref="TrainingLog"/>; a bad line is reported with its number.</summary>
    public static IReadOnlyList<TrainingLogEntry> Read(string path)
    {
        var entries = new List<TrainingLogEntry>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                entries.Add(JsonSerializer.Deserialize<TrainingLogEntry>(line, _json)
                    ?? throw new InvalidDataException($"{path}: line {number}: expected a JSON object, found null."));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}: line {number}: expected a training log entry (JSON object): {e.Message}", e);
            }
        }
        return entries;
    }
}
