using System.Text.Json.Nodes;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Hub;

/// <summary>Model folders that try to read outside themselves, or whose weights are not the model's dtype.</summary>
public sealed class ModelFolderSafetyTests
{
    private static ModelLoadOptions Options(TempFolder temp, List<string>? log = null) => new()
    {
        HubCacheFolder = temp.Combine("hub-cache"),
        CacheFolder = temp.Combine("nbs-cache"),
        Offline = true,
        Log = log is null ? _ => { }
        : log.Add,
    };

    private static string SavedTinyModel(TempFolder temp, string name = "tiny")
    {
        var folder = temp.Combine(name);
        using var model = TinyBert.Create();
        SentenceTransformerWriter.Save(model, folder);
        return folder;
    }

    private static void SetPoolingPath(string folder, string path)
    {
        var modules = Path.Combine(folder, "modules.json");
        var list = JsonNode.Parse(File.ReadAllText(modules))!.AsArray();
        list[1]!["path"] = path;
        File.WriteAllText(modules, list.ToJsonString());
    }

    [Theory]
    [InlineData("../elsewhere/1_Pooling")]
    [InlineData("1_Pooling/../../elsewhere/1_Pooling")]
    [InlineData("..\\elsewhere\\1_Pooling")]
    [InlineData("ABSOLUTE")]
    public void ModulePathLeavingTheFolderIsRefusedNamingModulesJsonAndTheEntry(string path)
    {
        using var temp = new TempFolder();
        var folder = SavedTinyModel(temp);
        // A real Pooling folder waits outside, so that following the path would load without complaint.
        var outside = SavedTinyModel(temp, "elsewhere");
        if (path == "ABSOLUTE")
        {
            path = Path.Combine(outside, "1_Pooling");
        }
        SetPoolingPath(folder, path);

        var error = Assert.Throws<InvalidDataException>(() => SentenceTransformer.Load(folder, Options(temp)));

        Assert.Contains(Path.Combine(folder, "modules.json"), error.Message);
        Assert.Contains("module 1", error.Message);
        Assert.Contains($"'{path}'", error.Message);
    }

    [Fact]
    public void ModulePathInsideTheFolderStillLoads()
    {
        using var temp = new TempFolder();
        var folder = SavedTinyModel(temp);
        SetPoolingPath(folder, "./1_Pooling");

        using var loaded = SentenceTransformer.Load(folder, Options(temp));

        Assert.Equal(PoolingMode.Mean, loaded.Pooling.Mode);
    }

    [Fact]
    public void DownloadedModelWhoseModulesJsonLeavesTheSnapshotIsRefused()
    {
        using var temp = new TempFolder();
        var saved = SavedTinyModel(temp);
        // From the snapshot folder, five levels up is the temp folder, which holds the real Pooling folder of 'tiny'.
        SetPoolingPath(saved, "../../../../../tiny/1_Pooling");
        var files = Directory.GetFiles(saved, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(saved, f).Replace('\\', '/'), File.ReadAllBytes);
        using var server = new LocalHubServer("test-org/escape", files);

        var error = Assert.Throws<InvalidDataException>(() =>
            SentenceTransformer.Load("test-org/escape", Options(temp) with { Offline = false, Endpoint = server.Endpoint }));

        var snapshot = temp.Combine("hub-cache", "models--test-org--escape", "snapshots", LocalHubServer.Commit);
        Assert.Contains(Path.Combine(snapshot, "modules.json"), error.Message);
        Assert.Contains("'../../../../../tiny/1_Pooling'", error.Message);
    }

    private static void RewriteWeights(string folder, Func<string, Tensor, Tensor> change)
    {
        var path = Path.Combine(folder, "model.safetensors");
        var tensors = SafeTensors.Load(path);
        var changed = tensors.ToDictionary(t => t.Key, t => change(t.Key, t.Value));
        SafeTensors.Save(changed, path);
    }

    [Fact]
    public void HalfPrecisionWeightsAreConvertedToTheModelsDtypeAndReported()
    {
        using var temp = new TempFolder();
        var half = SavedTinyModel(temp, "half");
        RewriteWeights(half, (_, t) => t.to_type(ScalarType.Float16));
        // The reference: the same rounding, done here and stored as F32, so it loads without any conversion.
        var rounded = temp.Combine("rounded");
        CopyFolder(half, rounded);
        RewriteWeights(rounded, (_, t) => t.to_type(ScalarType.Float32));
        var log = new List<string>();

        using var fromHalf = SentenceTransformer.Load(half, Options(temp, log));
        using var fromRounded = SentenceTransformer.Load(rounded, Options(temp));

        var weights = Path.Combine(half, "model.safetensors");
        var note = Assert.Single(log, l => l.Contains("converted", StringComparison.Ordinal));
        Assert.Contains(weights, note);
        Assert.Contains($"{fromHalf.Transformer.AutoModel.state_dict().Count} weights from Float16 to Float32", note);
        Assert.Equal(fromRounded.Encode(TinyBert.Sentences), fromHalf.Encode(TinyBert.Sentences));
    }

    [Fact]
    public void IntegerWeightIsRefusedNamingTheFileAndTheWeight()
    {
        using var temp = new TempFolder();
        var folder = SavedTinyModel(temp);
        RewriteWeights(folder, (name, t) => name == "embeddings.LayerNorm.weight" ? ones_like(t, dtype: ScalarType.Int64) : t);

        var error = Assert.Throws<InvalidDataException>(() => SentenceTransformer.Load(folder, Options(temp)));

        Assert.Contains(Path.Combine(folder, "model.safetensors"), error.Message);
        Assert.Contains("'embeddings.LayerNorm.weight'", error.Message);
        Assert.Contains("Int64", error.Message);
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
