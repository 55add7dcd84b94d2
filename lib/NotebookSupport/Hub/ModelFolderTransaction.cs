using System.Text.Json;
using System.Text.RegularExpressions;

namespace NotebookSupport.Hub;

/// <summary>
/// Replaces the model files of a folder as one unit, beside files that are not the model's, and survives a kill at any
/// point. The new files are staged in the hidden folder <c>FOLDER/.saving-GUID/</c>; a flushed <c>COMMIT.json</c> in
/// it (the write-ahead record, listing the stale model files to remove) makes the save happen; then every staged file
/// is renamed over its name, <c>modules.json</c> last, and the stale files are removed. Before reading or saving,
/// <see cref="Recover"/> finishes a committed save that a kill interrupted and deletes an uncommitted one, so a
/// reader sees the complete old model or the complete new one.
/// </summary>
internal static partial class ModelFolderTransaction
{
    /// <summary>Prefix of the staging folder inside the model folder.</summary>
    public const string StagingPrefix = ".saving-";

    /// <summary>The commit record inside a staging folder.</summary>
    public const string CommitFile = "COMMIT.json";

    // Files of the Hugging Face and sentence-transformers layouts that a save of ours does not write but a loader would
    // read: other weight formats, shards, a fast tokenizer (Python prefers tokenizer.json to vocab.txt), exports.
    private static readonly string[] _foreignModelFiles =
    [
        "pytorch_model.bin", "model.safetensors.index.json", "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack",
        "tokenizer.json", "added_tokens.json",
    ];

    private static readonly string[] _foreignModelFolders = ["onnx", "openvino"];

    /// <summary>Creates an empty staging folder inside <paramref name="target"/> (created if needed).</summary>
    public static string Begin(string target)
    {
        Directory.CreateDirectory(target);
        var staging = Path.Combine(target, StagingPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        return staging;
    }

    /// <summary>
    /// The model files in <paramref name="target"/> that a save of the files staged in <paramref name="staging"/>
    /// would replace without their being a sentence-transformers model's (the folder has no <c>modules.json</c>), and
    /// those it would leave behind to change what loads (other weight formats, module folders it does not write).
    /// </summary>
    public static (IReadOnlyList<string> Replaced, IReadOnlyList<string> Stale) Conflicts(string target, string staging)
    {
        var written = Entries(staging).Where(e => e != CommitFile).ToHashSet(StringComparer.Ordinal);
        var replaced = File.Exists(Path.Combine(target, SentenceTransformerLayout.ModulesFile))
            ? []
            : written.Where(e => File.Exists(Path.Combine(target, e))).Order(StringComparer.Ordinal).ToList();
        return (replaced, Stale(target, written));
    }

    /// <summary>
    /// Makes the staged files the model of <paramref name="target"/>: flushes them, writes the commit record, then
    /// moves them in and removes <paramref name="stale"/> (paths relative to <paramref name="target"/>).
    /// </summary>
    public static void Commit(string staging, string target, IReadOnlyList<string> stale)
    {
        DurableFile.FlushTree(staging);
        DurableFile.WriteAllText(Path.Combine(staging, CommitFile), JsonSerializer.Serialize(new CommitRecord(stale), LibraryJson.Plain));
        RollForward(staging, target);
    }

    /// <summary>Deletes a staging folder that was not committed (a save that failed before its commit).</summary>
    public static void Abandon(string staging)
    {
        if (Directory.Exists(staging) && !File.Exists(Path.Combine(staging, CommitFile)))
        {
            DurableFile.DeleteFolder(staging);
        }
    }

    /// <summary>
    /// Repairs what an interrupted save left at <paramref name="target"/>: finishes committed saves, deletes
    /// uncommitted staging folders and temporary files, and the leftovers of this library's earlier saves, which moved
    /// whole folders (a missing folder whose old copy waits at <c>.NAME.old-*</c> is restored). Each repair is reported
    /// through <paramref name="report"/>.
    /// </summary>
    public static void Recover(string target, Action<string> report)
    {
        var full = Path.GetFullPath(target.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        RecoverEarlierLayout(full, report);
        if (!Directory.Exists(full))
        {
            return;
        }
        foreach (var staging in Directory.EnumerateDirectories(full, StagingPrefix + "*").Order(StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(staging, CommitFile)))
            {
                RollForward(staging, full);
                report($"{full}: completed a model save that was interrupted after its commit ({Path.GetFileName(staging)}).");
            }
            else
            {
                DurableFile.DeleteFolder(staging);
                report($"{full}: removed {Path.GetFileName(staging)}, the staged files of a model save that was interrupted before its commit; the model there is the one saved before it.");
            }
        }
        foreach (var folder in new[] { full, Path.Combine(full, SentenceTransformerLayout.PoolingFolder) })
        {
            foreach (var message in DurableFile.DeleteLeftovers(folder))
            {
                report(message);
            }
        }
    }

    private sealed record CommitRecord(IReadOnlyList<string> Remove);

    private static void RollForward(string staging, string target)
    {
        var record = JsonSerializer.Deserialize<CommitRecord>(File.ReadAllText(Path.Combine(staging, CommitFile)), LibraryJson.Plain)
            ?? throw new InvalidDataException($"{Path.Combine(staging, CommitFile)}: expected a commit record, found null.");
        var touched = new HashSet<string>(StringComparer.Ordinal) { target };
        foreach (var folder in Directory.EnumerateDirectories(staging, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(staging, folder));
            Directory.CreateDirectory(destination);
            touched.Add(destination);
        }
        // modules.json last: until it is replaced, Python's loader still finds the old module list.
        var files = Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(staging, f))
            .Where(f => f != CommitFile)
            .OrderBy(f => f == SentenceTransformerLayout.ModulesFile)
            .ThenBy(f => f, StringComparer.Ordinal);
        foreach (var file in files)
        {
            File.Move(Path.Combine(staging, file), Path.Combine(target, file), overwrite: true);
        }
        foreach (var entry in record.Remove)
        {
            var path = Path.Combine(target, entry);
            if (Directory.Exists(path))
            {
                DurableFile.DeleteFolder(path);
            }
            else
            {
                File.Delete(path);
            }
        }
        foreach (var folder in touched)
        {
            DurableFile.FlushFolder(folder);
        }
        File.Delete(Path.Combine(staging, CommitFile));
        DurableFile.DeleteFolder(staging);
    }

    private static List<string> Entries(string folder) =>
    [
        .. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(folder, f)),
        .. Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories).Select(d => Path.GetRelativePath(folder, d)),
    ];

    /// <summary>
    /// The model files and module folders in <paramref name="target"/> (relative paths) that are not among
    /// <paramref name="written"/> but that a loader would read: other weight formats, shards, a fast tokenizer, exports,
    /// sentence-transformers module folders and the folders the current <c>modules.json</c> lists.
    /// </summary>
    public static IReadOnlyList<string> Stale(string target, IReadOnlySet<string> written)
    {
        if (!Directory.Exists(target))
        {
            return [];
        }
        var stale = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(target).Select(Path.GetFileName))
        {
            if (_foreignModelFiles.Contains(file) || ShardFile().IsMatch(file!))
            {
                stale.Add(file!);
            }
        }
        foreach (var folder in Directory.EnumerateDirectories(target).Select(Path.GetFileName))
        {
            if (_foreignModelFolders.Contains(folder) || ModuleFolder().IsMatch(folder!))
            {
                stale.Add(folder!);
            }
        }
        foreach (var path in ModulePaths(target))
        {
            if (Directory.Exists(Path.Combine(target, path)))
            {
                stale.Add(path);
            }
        }
        stale.RemoveWhere(written.Contains);
        return [.. stale];
    }

    // The module folders the folder's current modules.json lists (names need not follow N_Name).
    private static IEnumerable<string> ModulePaths(string target)
    {
        var modules = Path.Combine(target, SentenceTransformerLayout.ModulesFile);
        if (!File.Exists(modules))
        {
            return [];
        }
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(modules));
            return document.RootElement.ValueKind != JsonValueKind.Array
                ? []
                : [.. document.RootElement.EnumerateArray()
                    .Select(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "")
                    .Where(p => p.Length > 0 && !Path.IsPathRooted(p) && !p.Split('/', '\\').Contains(".."))];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>Earlier versions staged the whole folder as <c>.NAME.saving-*</c> and set the old one aside as <c>.NAME.old-*</c>.</summary>
    private static void RecoverEarlierLayout(string target, Action<string> report)
    {
        var parent = Path.GetDirectoryName(target);
        var name = Path.GetFileName(target);
        if (parent is null || !Directory.Exists(parent) || name.Length == 0)
        {
            return;
        }
        foreach (var old in Directory.EnumerateDirectories(parent, $".{name}.old-*"))
        {
            if (Directory.Exists(target))
            {
                DurableFile.DeleteFolder(old);
                report($"{target}: removed {Path.GetFileName(old)}, the previous model set aside by a save that completed.");
            }
            else
            {
                Directory.Move(old, target);
                DurableFile.FlushFolder(parent);
                report($"{target}: restored the model from {Path.GetFileName(old)}, where an interrupted save had set it aside.");
            }
        }
        foreach (var staging in Directory.EnumerateDirectories(parent, $".{name}.saving-*"))
        {
            DurableFile.DeleteFolder(staging);
            report($"{target}: removed {Path.GetFileName(staging)}, the staged copy of a model save that was interrupted.");
        }
    }

    [GeneratedRegex(@"^(model|pytorch_model)-\d+-of-\d+\.(safetensors|bin)$")]
    private static partial Regex ShardFile();

    // sentence-transformers names module folders IDX_TYPE; only its own module types count, never a user's "2_notes".
    [GeneratedRegex(@"^\d+_(Pooling|Normalize|Dense|LayerNorm|WordEmbeddings|WeightedLayerPooling|CNN|LSTM|BoW|StaticEmbedding|Transformer|Router|Asym)$")]
    private static partial Regex ModuleFolder();
}
