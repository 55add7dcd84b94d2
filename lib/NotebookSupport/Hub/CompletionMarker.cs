using System.Text.Json;
using System.Text.Json.Nodes;

namespace NotebookSupport.Hub;

/// <summary>
/// The last file written into a cache folder: every other file of the folder with its size and SHA-256. A folder
/// without it was never finished (a kill, a full disk, a version that did not write it); a folder whose files differ
/// from it was damaged afterwards. Either way it must be built again, not trusted because some file exists.
/// </summary>
internal static class CompletionMarker
{
    /// <summary>The marker's name inside the folder.</summary>
    public const string FileName = ".notebooksupport-complete.json";

    private const int Format = 1;

    /// <summary>Hashes every file under <paramref name="folder"/> and writes the marker, durably, after them.</summary>
    public static void Write(string folder)
    {
        var files = new JsonObject();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(folder, file).Replace('\\', '/');
            if (relative == FileName)
            {
                continue;
            }
            files[relative] = new JsonObject { ["size"] = new FileInfo(file).Length, ["sha256"] = BlobHash.Sha256(file) };
        }
        // The files must be on disk before the marker that vouches for them.
        DurableFile.FlushTree(folder);
        DurableFile.WriteAllText(Path.Combine(folder, FileName), new JsonObject { ["format"] = Format, ["files"] = files }.ToJsonString());
    }

    /// <summary>
    /// Null when <paramref name="folder"/> holds a marker and every file it lists, with the recorded size and
    /// SHA-256; else what is wrong, naming the file.
    /// </summary>
    public static string? Problem(string folder)
    {
        var markerPath = Path.Combine(folder, FileName);
        if (!File.Exists(markerPath))
        {
            return $"no completion marker '{markerPath}' (an earlier conversion was interrupted, or an older version made it)";
        }
        JsonObject files;
        try
        {
            files = JsonNode.Parse(File.ReadAllText(markerPath)) is JsonObject { } root
                    && root["format"]?.GetValue<int>() == Format
                    && root["files"] is JsonObject { Count: > 0 } listed
                ? listed
                : throw new InvalidDataException("not a format-1 marker with a non-empty \"files\" object");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or FormatException)
        {
            return $"completion marker '{markerPath}' is unreadable ({e.Message})";
        }
        foreach (var (relative, entry) in files)
        {
            // The marker lives in a folder anyone can write to: it must not make us hash files elsewhere.
            if (!HuggingFaceCache.IsRepoPath(relative))
            {
                return $"completion marker '{markerPath}' lists '{relative}', which is not a path inside the folder";
            }
            var file = Path.Combine(folder, relative);
            long? size = entry?["size"] is JsonValue s && s.TryGetValue<long>(out var n) ? n : null;
            string? sha256 = entry?["sha256"] is JsonValue h && h.TryGetValue<string>(out var hex) ? hex : null;
            if (size is null || sha256 is null)
            {
                return $"completion marker '{markerPath}' has no size and sha256 for '{relative}'";
            }
            if (!File.Exists(file))
            {
                return $"'{file}' is missing";
            }
            var length = new FileInfo(file).Length;
            if (length != size)
            {
                return $"'{file}' has {length} bytes, the completion marker records {size}";
            }
            var actual = BlobHash.Sha256(file);
            if (actual != sha256)
            {
                return $"'{file}' has SHA-256 {actual}, the completion marker records {sha256}";
            }
        }
        return null;
    }
}
