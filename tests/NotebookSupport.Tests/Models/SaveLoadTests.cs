using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Tests.Hub;

namespace NotebookSupport.Tests.Models;

/// <summary>
/// <c>model.Save(folder)</c> and <c>SentenceTransformer.Load(folder)</c>, the entry points of Python's
/// <c>model.save(path)</c> and <c>SentenceTransformer(path)</c>: what they write and read back is the model, and a save
/// keeps the writer's safety.
/// </summary>
[Collection(BundledMiniLmCollection.Name)]
public sealed class SaveLoadTests(BundledMiniLmFixture fixture)
{
    private static ModelLoadOptions Options(TempFolder temp) => new()
    {
        HubCacheFolder = temp.Combine("hub-cache"),
        CacheFolder = temp.Combine("nbs-cache"),
        Offline = true,
        Log = _ => { },
    };

    [Fact]
    public void SavedAndLoadedMiniLmStillMatchesOnnxRuntimeOnTheOriginalOnnxFile()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("minilm");
        string[] sentences = ["A man is playing a guitar.", "Hi", "Café au lait, s'il vous plaît!", "Two dogs run on the beach while it rains."];

        fixture.Model.Save(folder, log: _ => { });
        using var loaded = SentenceTransformer.Load(folder, Options(temp));

        Assert.Equal(fixture.Model.MaxSeqLength, loaded.MaxSeqLength);
        Assert.Equal(PoolingMode.Mean, loaded.Pooling.Mode);
        Assert.NotNull(loaded.Normalize);
        var batch = loaded.Tokenize(sentences);
        var (tokens, _) = OnnxRuntimeParityTests.RunOnnxRuntime(batch);
        var expected = OnnxRuntimeParityTests.MeanPoolAndNormalize(tokens, batch);
        var actual = loaded.Encode(sentences).SelectMany(e => e).ToArray();
        var difference = OnnxRuntimeParityTests.MaxAbsDiff(expected, actual);
        Assert.True(difference <= 1e-5, $"the reloaded model's embeddings differ from ONNX Runtime's by {difference}");
    }

    [Fact]
    public void SaveRefusesAProjectsOwnFilesUnlessOverwriteAndLoadReadsTheSavedModel()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("project");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "README.md"), "# my project\n");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not the model's");
        using var model = TinyBert.Create(PoolingMode.Cls, normalize: true, maxSeqLength: 12);

        var refused = Assert.Throws<IOException>(() => model.Save(folder, log: _ => { }));
        Assert.Contains(Path.GetFullPath(folder), refused.Message);
        Assert.Contains("README.md", refused.Message);
        Assert.Equal(["README.md", "notes.txt"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("# my project\n", File.ReadAllText(Path.Combine(folder, "README.md")));

        model.Save(folder, modelName: "tiny-cls", overwrite: true, log: _ => { });
        using var loaded = SentenceTransformer.Load(folder, Options(temp));

        Assert.Equal("not the model's", File.ReadAllText(Path.Combine(folder, "notes.txt")));
        Assert.Contains("tiny-cls", File.ReadAllText(Path.Combine(folder, "README.md")));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(folder), e => Path.GetFileName(e).StartsWith('.'));
        var reference = ModelLoaderTests.Reference(model.Transformer.AutoModel, TinyBert.Sentences, 12, PoolingMode.Cls, normalize: true);
        ModelLoaderTests.AssertClose(reference, loaded.Encode(TinyBert.Sentences));
    }
}
