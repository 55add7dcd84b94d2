using NotebookSupport.Hub;
using NotebookSupport.Models;

namespace NotebookSupport.Tests.Hub;

/// <summary>Saving a model into a folder that holds other files, and what an interrupted save leaves behind.</summary>
public sealed class SaveBesideOtherFilesTests
{
    private static ModelLoadOptions Options(TempFolder temp, List<string> log) => new()
    {
        HubCacheFolder = temp.Combine("hub-cache"),
        CacheFolder = temp.Combine("nbs-cache"),
        Offline = true,
        Log = log.Add,
    };

    /// <summary>Files a user keeps in the folder: text, binary, a nested folder, a hidden git folder.</summary>
    private static Dictionary<string, byte[]> WriteUnrelatedFiles(string folder)
    {
        var files = new Dictionary<string, byte[]>
        {
            ["notes.txt"] = "my notes\n"u8.ToArray(),
            ["data.bin"] = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 31))],
            [Path.Combine("results", "scores.csv")] = "a,b\n1,2\n"u8.ToArray(),
            [Path.Combine(".git", "HEAD")] = "ref: refs/heads/main\n"u8.ToArray(),
            ["2_notes"] = "a file named like a module folder\n"u8.ToArray(),
        };
        foreach (var (name, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, name))!);
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
        }
        return files;
    }

    private static void AssertUnchanged(string folder, Dictionary<string, byte[]> files)
    {
        foreach (var (name, bytes) in files)
        {
            Assert.True(File.Exists(Path.Combine(folder, name)), $"{name} was deleted");
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(folder, name)));
        }
    }

    private static void AssertLoadsAs(SentenceTransformer expected, string folder, TempFolder temp)
    {
        using var loaded = SentenceTransformer.Load(folder, Options(temp, []));
        Assert.Equal(expected.Normalize is null, loaded.Normalize is null);
        var want = expected.Encode(TinyBert.Sentences);
        var got = loaded.Encode(TinyBert.Sentences);
        for (var i = 0; i < want.Length; i++)
        {
            Assert.Equal(want[i], got[i]);
        }
    }

    [Fact]
    public void SavingTwiceBesideUnrelatedFilesKeepsEveryOneByteForByte()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("work");
        var files = WriteUnrelatedFiles(folder);
        using var first = TinyBert.Create(PoolingMode.Mean, normalize: true);
        using var second = TinyBert.Create(PoolingMode.Mean, normalize: true);

        SentenceTransformerWriter.Save(first, folder);
        AssertUnchanged(folder, files);
        AssertLoadsAs(first, folder, temp);

        SentenceTransformerWriter.Save(second, folder);
        AssertUnchanged(folder, files);
        AssertLoadsAs(second, folder, temp);
        Assert.Equal(
            [".git", "1_Pooling", "2_Normalize", "2_notes", "README.md", "config.json", "config_sentence_transformers.json", "data.bin",
             "model.safetensors", "modules.json", "notes.txt", "results", "sentence_bert_config.json", "special_tokens_map.json",
             "tokenizer_config.json", "vocab.txt"],
            Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AFolderThatIsNotAModelKeepsItsReadmeAndConfigUnlessOverwrite()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("project");
        var files = WriteUnrelatedFiles(folder);
        File.WriteAllText(Path.Combine(folder, "README.md"), "# My project\n");
        File.WriteAllText(Path.Combine(folder, "config.json"), "{\"mine\": true}\n");
        using var model = TinyBert.Create();

        var refused = Assert.Throws<IOException>(() => SentenceTransformerWriter.Save(model, folder));

        Assert.Contains(Path.GetFullPath(folder), refused.Message);
        Assert.Contains("README.md", refused.Message);
        Assert.Contains("config.json", refused.Message);
        Assert.Contains("overwrite", refused.Message);
        Assert.Equal("# My project\n", File.ReadAllText(Path.Combine(folder, "README.md")));
        Assert.Equal("{\"mine\": true}\n", File.ReadAllText(Path.Combine(folder, "config.json")));
        Assert.False(File.Exists(Path.Combine(folder, "modules.json")));
        Assert.Equal([".git"], Directory.GetFileSystemEntries(folder, ".*").Select(Path.GetFileName));
        AssertUnchanged(folder, files);

        SentenceTransformerWriter.Save(model, folder, overwrite: true);

        AssertUnchanged(folder, files);
        Assert.Contains("sentence-transformers", File.ReadAllText(Path.Combine(folder, "README.md")));
        AssertLoadsAs(model, folder, temp);
    }

    [Fact]
    public void StaleWeightsOfAnotherFormatAreRefusedByNameAndRemovedOnlyWithOverwrite()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("tiny");
        using var first = TinyBert.Create();
        using var second = TinyBert.Create();
        SentenceTransformerWriter.Save(first, folder);
        File.WriteAllBytes(Path.Combine(folder, "pytorch_model.bin"), [1, 2, 3]);
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), "{}");
        File.WriteAllText(Path.Combine(folder, "keep.txt"), "mine");

        var refused = Assert.Throws<IOException>(() => SentenceTransformerWriter.Save(second, folder));

        Assert.Contains("pytorch_model.bin", refused.Message);
        Assert.Contains("tokenizer.json", refused.Message);
        Assert.DoesNotContain("keep.txt", refused.Message);
        AssertLoadsAs(first, folder, temp);

        SentenceTransformerWriter.Save(second, folder, overwrite: true);

        Assert.False(File.Exists(Path.Combine(folder, "pytorch_model.bin")));
        Assert.False(File.Exists(Path.Combine(folder, "tokenizer.json")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(folder, "keep.txt")));
        AssertLoadsAs(second, folder, temp);
    }

    [Fact]
    public void AnUncommittedSaveIsRemovedAndTheOldModelLoads()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("tiny");
        using var first = TinyBert.Create();
        SentenceTransformerWriter.Save(first, folder);
        var staging = Path.Combine(folder, ".saving-0123456789abcdef");
        Directory.CreateDirectory(staging);
        File.WriteAllBytes(Path.Combine(staging, "model.safetensors"), [0, 0, 0]);
        File.WriteAllText(Path.Combine(folder, ".config.json.partial-0123"), "{");
        var log = new List<string>();

        using (var loaded = SentenceTransformer.Load(folder, Options(temp, log)))
        {
            Assert.Equal(first.Encode(TinyBert.Sentences)[0], loaded.Encode(TinyBert.Sentences)[0]);
        }

        Assert.False(Directory.Exists(staging));
        Assert.False(File.Exists(Path.Combine(folder, ".config.json.partial-0123")));
        Assert.Contains(log, l => l.Contains(".saving-0123456789abcdef", StringComparison.Ordinal) && l.Contains("before its commit", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains(".config.json.partial-0123", StringComparison.Ordinal));
    }

    [Fact]
    public void ACommittedSaveInterruptedHalfWayIsFinishedByTheNextLoad()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("tiny");
        using var first = TinyBert.Create(PoolingMode.Mean, normalize: true);
        using var second = TinyBert.Create(PoolingMode.Cls, normalize: false);
        SentenceTransformerWriter.Save(first, folder);
        // What a kill after the commit leaves: the second model staged with its commit record, its weights already moved in.
        var complete = temp.Combine("second");
        SentenceTransformerWriter.Save(second, complete);
        var staging = Path.Combine(folder, ".saving-fedcba9876543210");
        CopyTree(complete, staging);
        File.WriteAllText(Path.Combine(staging, "COMMIT.json"), """{"Remove":["2_Normalize"]}""");
        File.Move(Path.Combine(staging, "model.safetensors"), Path.Combine(folder, "model.safetensors"), overwrite: true);
        var log = new List<string>();

        using (var loaded = SentenceTransformer.Load(folder, Options(temp, log)))
        {
            Assert.Null(loaded.Normalize);
            Assert.Equal(PoolingMode.Cls, loaded.Pooling.Mode);
            Assert.Equal(second.Encode(TinyBert.Sentences)[1], loaded.Encode(TinyBert.Sentences)[1]);
        }

        Assert.Contains(log, l => l.Contains("completed a model save", StringComparison.Ordinal));
        Assert.False(Directory.Exists(staging));
        Assert.False(Directory.Exists(Path.Combine(folder, "2_Normalize")));
    }

    [Fact]
    public void AFolderAnEarlierVersionSetAsideIsRestored()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("tiny");
        using var model = TinyBert.Create();
        var aside = temp.Combine(".tiny.old-0123456789abcdef");
        SentenceTransformerWriter.Save(model, aside);
        Directory.CreateDirectory(temp.Combine(".tiny.saving-0123456789abcdef"));
        var log = new List<string>();

        using (var loaded = SentenceTransformer.Load(folder, Options(temp, log)))
        {
            Assert.Equal(model.Encode(TinyBert.Sentences)[2], loaded.Encode(TinyBert.Sentences)[2]);
        }

        Assert.False(Directory.Exists(aside));
        Assert.False(Directory.Exists(temp.Combine(".tiny.saving-0123456789abcdef")));
        Assert.Contains(log, l => l.Contains("restored", StringComparison.Ordinal) && l.Contains(".tiny.old-0123456789abcdef", StringComparison.Ordinal));
    }

    private static void CopyTree(string from, string to)
    {
        foreach (var folder in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories).Prepend(from))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, folder)));
        }
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }
}
