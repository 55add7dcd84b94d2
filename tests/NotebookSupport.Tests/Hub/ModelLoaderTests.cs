using System.Text;
using System.Text.Json.Nodes;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Hub;

public sealed class ModelLoaderTests
{
    private static ModelLoadOptions Options(TempFolder temp, List<string>? log = null) => new()
    {
        HubCacheFolder = temp.Combine("hub-cache"),
        CacheFolder = temp.Combine("nbs-cache"),
        Offline = true,
        Log = log is null ? _ => { }
        : log.Add,
    };

    private static void AssertSameEmbeddings(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    /// <summary>Embeddings computed straight from a BertModel and its weights, with pooling written out here.</summary>
    internal static float[][] Reference(BertModel bert, IReadOnlyList<string> sentences, int maxSeqLength, PoolingMode mode, bool normalize)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bert.eval();
        var batch = TinyBert.Tokenizer().EncodeBatch(sentences, maxSeqLength);
        var (ids, mask, types) = batch.ToTensors();
        var hidden = bert.call(ids, mask, types);
        var m = mask.unsqueeze(-1).to(ScalarType.Float32);
        var pooled = mode == PoolingMode.Cls ? hidden[.., 0] : (hidden * m).sum(1) / m.sum(1);
        if (normalize)
        {
            pooled = pooled / pooled.norm(1, keepdim: true);
        }
        var flat = pooled.contiguous().data<float>().ToArray();
        int d = (int)pooled.shape[1];
        return Enumerable.Range(0, sentences.Count).Select(i => flat[(i * d)..((i + 1) * d)]).ToArray();
    }

    internal static void AssertClose(float[][] expected, float[][] actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (int j = 0; j < expected[i].Length; j++)
            {
                Assert.True(Math.Abs(expected[i][j] - actual[i][j]) <= tolerance, $"sentence {i} dim {j}: {expected[i][j]} vs {actual[i][j]}");
            }
        }
    }

    [Fact]
    public void SaveThenLoadGivesIdenticalEmbeddings()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("models", "tiny");
        using var model = TinyBert.Create(PoolingMode.Mean, normalize: true, maxSeqLength: 40);
        var expected = model.Encode(TinyBert.Sentences);

        SentenceTransformerWriter.Save(model, folder);
        using var loaded = SentenceTransformer.Load(folder, Options(temp));

        AssertSameEmbeddings(expected, loaded.Encode(TinyBert.Sentences));
        Assert.Equal(40, loaded.MaxSeqLength);
        Assert.NotNull(loaded.Normalize);
        Assert.Equal(PoolingMode.Mean, loaded.Pooling.Mode);
        Assert.Equal(["models/tiny"], Directory.GetDirectories(temp.Combine("models")).Select(d => Path.GetRelativePath(temp.Path, d)));
    }

    [Fact]
    public void SavedFolderHasTheSentenceTransformersLayout()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("tiny");
        using var model = TinyBert.Create(PoolingMode.Cls, normalize: true);

        SentenceTransformerWriter.Save(model, folder);

        var modules = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "modules.json")))!.AsArray();
        Assert.Equal(["", "1_Pooling", "2_Normalize"], modules.Select(m => (string)m!["path"]!));
        Assert.Equal(
            ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling", "sentence_transformers.models.Normalize"],
            modules.Select(m => (string)m!["type"]!));
        Assert.True(Directory.Exists(Path.Combine(folder, "2_Normalize")));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;
        Assert.Equal("BertModel", (string)config["architectures"]![0]!);
        Assert.Equal("bert", (string)config["model_type"]!);
        Assert.Equal(32, (int)config["hidden_size"]!);
        var stConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "sentence_bert_config.json")))!;
        Assert.Equal(48, (int)stConfig["max_seq_length"]!);
        var pooling = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "1_Pooling", "config.json")))!;
        Assert.True((bool)pooling["pooling_mode_cls_token"]!);
        Assert.False((bool)pooling["pooling_mode_mean_tokens"]!);
        Assert.Equal(TinyBert.VocabText, File.ReadAllText(Path.Combine(folder, "vocab.txt")));
        Assert.True(File.Exists(Path.Combine(folder, "tokenizer_config.json")));
        Assert.True(File.Exists(Path.Combine(folder, "config_sentence_transformers.json")));
        Assert.Contains("sentence-transformers", File.ReadAllText(Path.Combine(folder, "README.md")));
        var names = SafeTensors.ReadInfo(Path.Combine(folder, "model.safetensors")).Select(i => i.Name).ToList();
        Assert.Contains("embeddings.word_embeddings.weight", names);
        Assert.Contains("encoder.layer.1.attention.self.query.weight", names);
        Assert.Contains("pooler.dense.weight", names);
        Assert.DoesNotContain(names, n => n.StartsWith("auto_model", StringComparison.Ordinal));
    }

    [Fact]
    public void ResavingKeepsOtherFilesAndRemovesTheOldModelsFilesOnlyWithOverwrite()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("tiny");
        using var first = TinyBert.Create();
        using var second = TinyBert.Create(PoolingMode.Mean, normalize: false);
        SentenceTransformerWriter.Save(first, folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not the model's");

        // Saved without Normalize, the folder would keep 2_Normalize/ and load as neither model: refused, nothing changed.
        var refused = Assert.Throws<IOException>(() => SentenceTransformerWriter.Save(second, folder));
        Assert.Contains("2_Normalize", refused.Message);
        Assert.Contains(folder, refused.Message);
        using (var unchanged = SentenceTransformer.Load(folder, Options(temp)))
        {
            Assert.NotNull(unchanged.Normalize);
            AssertSameEmbeddings(first.Encode(TinyBert.Sentences), unchanged.Encode(TinyBert.Sentences));
        }

        SentenceTransformerWriter.Save(second, folder, overwrite: true);
        using var loaded = SentenceTransformer.Load(folder, Options(temp));

        Assert.Equal("not the model's", File.ReadAllText(Path.Combine(folder, "notes.txt")));
        Assert.False(Directory.Exists(Path.Combine(folder, "2_Normalize")));
        Assert.Null(loaded.Normalize);
        AssertSameEmbeddings(second.Encode(TinyBert.Sentences), loaded.Encode(TinyBert.Sentences));
        Assert.Single(Directory.GetFileSystemEntries(temp.Path));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(folder), e => Path.GetFileName(e).StartsWith('.'));
    }

    [Fact]
    public void LoadsAFolderWrittenInTheSentenceTransformersLayoutByPython()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("st-model");
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        // The files exactly as sentence-transformers 3.x and transformers 4.x write them (json.dump(indent=2)).
        File.WriteAllText(Path.Combine(folder, "modules.json"), """
            [
              {
                "idx": 0,
                "name": "0",
                "path": "",
                "type": "sentence_transformers.models.Transformer"
              },
              {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling"
              },
              {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize"
              }
            ]
            """);
        File.WriteAllText(Path.Combine(folder, "sentence_bert_config.json"), """
            {
              "max_seq_length": 12,
              "do_lower_case": false
            }
            """);
        File.WriteAllText(Path.Combine(folder, "1_Pooling", "config.json"), """
            {
              "word_embedding_dimension": 32,
              "pooling_mode_cls_token": true,
              "pooling_mode_mean_tokens": false,
              "pooling_mode_max_tokens": false,
              "pooling_mode_mean_sqrt_len_tokens": false,
              "pooling_mode_weightedmean_tokens": false,
              "pooling_mode_lasttoken": false,
              "include_prompt": true
            }
            """);
        File.WriteAllText(Path.Combine(folder, "config.json"), """
            {
              "_name_or_path": "tiny",
              "architectures": [
                "BertModel"
              ],
              "attention_probs_dropout_prob": 0.1,
              "classifier_dropout": null,
              "gradient_checkpointing": false,
              "hidden_act": "gelu",
              "hidden_dropout_prob": 0.1,
              "hidden_size": 32,
              "initializer_range": 0.02,
              "intermediate_size": 64,
              "layer_norm_eps": 1e-12,
              "max_position_embeddings": 64,
              "model_type": "bert",
              "num_attention_heads": 2,
              "num_hidden_layers": 2,
              "pad_token_id": 0,
              "position_embedding_type": "absolute",
              "torch_dtype": "float32",
              "transformers_version": "4.41.2",
              "type_vocab_size": 2,
              "use_cache": true,
              "vocab_size": 40
            }
            """);
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), """
            {
              "clean_up_tokenization_spaces": true,
              "cls_token": "[CLS]",
              "do_basic_tokenize": true,
              "do_lower_case": true,
              "mask_token": "[MASK]",
              "model_max_length": 512,
              "never_split": null,
              "pad_token": "[PAD]",
              "sep_token": "[SEP]",
              "strip_accents": null,
              "tokenize_chinese_chars": true,
              "tokenizer_class": "BertTokenizer",
              "unk_token": "[UNK]"
            }
            """);
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), TinyBert.VocabText);
        using var bert = new BertModel(TinyBert.Config);
        SafeTensors.Save(bert.state_dict(), Path.Combine(folder, "model.safetensors"));

        using var model = SentenceTransformer.Load(folder, Options(temp));

        Assert.Equal(12, model.MaxSeqLength);
        Assert.Equal(PoolingMode.Cls, model.Pooling.Mode);
        Assert.NotNull(model.Normalize);
        AssertClose(Reference(bert, TinyBert.Sentences, 12, PoolingMode.Cls, normalize: true), model.Encode(TinyBert.Sentences));
    }

    [Fact]
    public void LoadsAPlainHuggingFacePreTrainingCheckpointWithMeanPoolingAndReportsTheHeads()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("bert-tiny-uncased");
        Directory.CreateDirectory(folder);
        using var bert = new BertModel(TinyBert.Config);
        TinyBert.Config.Save(Path.Combine(folder, "config.json"));
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), TinyBert.VocabText);
        // As BertForPreTraining saves it: encoder under "bert.", plus the MLM and NSP heads.
        var checkpoint = new Dictionary<string, Tensor>();
        foreach (var (name, value) in bert.state_dict())
        {
            checkpoint["bert." + name] = value;
        }
        checkpoint["cls.predictions.bias"] = zeros(TinyBert.Vocab.Length);
        checkpoint["cls.seq_relationship.weight"] = zeros(2, 32);
        checkpoint["bert.embeddings.position_ids"] = arange(64, dtype: ScalarType.Int64).unsqueeze(0);
        TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(Path.Combine(folder, "pytorch_model.bin"), checkpoint);
        var log = new List<string>();

        using var model = SentenceTransformer.Load(folder, Options(temp, log));

        Assert.Equal(PoolingMode.Mean, model.Pooling.Mode);
        Assert.Null(model.Normalize);
        Assert.Equal(64, model.MaxSeqLength);
        AssertClose(Reference(bert, TinyBert.Sentences, 64, PoolingMode.Mean, normalize: false), model.Encode(TinyBert.Sentences));
        var ignored = Assert.Single(log, l => l.Contains("not used by BertModel"));
        Assert.Contains("cls.predictions.bias", ignored);
        Assert.Contains("cls.seq_relationship.weight", ignored);
        Assert.Contains("bert.embeddings.position_ids", ignored);
        Assert.Contains(log, l => l.Contains("mean pooling"));
    }

    [Fact]
    public void LoadsAHubIdFromTheHuggingFaceCacheLayout()
    {
        using var temp = new TempFolder();
        using var model = TinyBert.Create();
        var saved = temp.Combine("saved");
        SentenceTransformerWriter.Save(model, saved);
        var repo = temp.Combine("hub-cache", "models--test-org--tiny-bert");
        const string commit = "aaaabbbbccccddddeeeeffff0000111122223333";
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), commit);
        CopyFolder(saved, Path.Combine(repo, "snapshots", commit));

        using var loaded = SentenceTransformer.Load("test-org/tiny-bert", Options(temp));

        AssertSameEmbeddings(model.Encode(TinyBert.Sentences), loaded.Encode(TinyBert.Sentences));
    }

    [Fact]
    public void DownloadsAHubModelFromALocalServerIntoTheCache()
    {
        using var temp = new TempFolder();
        using var model = TinyBert.Create(PoolingMode.Mean, normalize: true, maxSeqLength: 30);
        var saved = temp.Combine("saved");
        SentenceTransformerWriter.Save(model, saved);
        var files = Directory.GetFiles(saved, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(saved, f).Replace('\\', '/'), File.ReadAllBytes);
        using var server = new LocalHubServer("test-org/tiny-bert", files);
        var progress = new List<DownloadProgress>();
        var options = Options(temp) with
        {
            Offline = false,
            Endpoint = server.Endpoint,
            DownloadProgress = new SyncProgress<DownloadProgress>(progress.Add),
        };

        using var loaded = SentenceTransformer.Load("test-org/tiny-bert", options);
        var requestsAfterFirstLoad = server.Requests.Count;
        using var again = SentenceTransformer.Load("test-org/tiny-bert", options with { Endpoint = "http://127.0.0.1:1" });

        AssertSameEmbeddings(model.Encode(TinyBert.Sentences), loaded.Encode(TinyBert.Sentences));
        AssertSameEmbeddings(model.Encode(TinyBert.Sentences), again.Encode(TinyBert.Sentences));
        Assert.Equal(30, loaded.MaxSeqLength);
        Assert.Equal(requestsAfterFirstLoad, server.Requests.Count);
        Assert.DoesNotContain(server.Requests, r => r.Contains("pytorch_model.bin"));
        Assert.Contains(progress, p => p.FileName == "model.safetensors" && p.BytesDownloaded == files["model.safetensors"].Length);
        var snapshot = temp.Combine("hub-cache", "models--test-org--tiny-bert", "snapshots", LocalHubServer.Commit);
        Assert.True(File.Exists(Path.Combine(snapshot, "1_Pooling", "config.json")));
    }

    [Fact]
    public void DownloadsAPlainBertRepositoryWhoseSentenceTransformersFilesAre404()
    {
        using var temp = new TempFolder();
        using var bert = new BertModel(TinyBert.Config);
        using var weights = new MemoryStream();
        SafeTensors.Save(bert.state_dict(), weights);
        var files = new Dictionary<string, byte[]>
        {
            ["config.json"] = Encoding.UTF8.GetBytes(TinyBert.Config.ToJson()),
            ["vocab.txt"] = Encoding.UTF8.GetBytes(TinyBert.VocabText),
            ["model.safetensors"] = weights.ToArray(),
        };
        using var server = new LocalHubServer("bert-tiny", files);

        using var loaded = SentenceTransformer.Load("bert-tiny", Options(temp) with { Offline = false, Endpoint = server.Endpoint });

        Assert.Equal(PoolingMode.Mean, loaded.Pooling.Mode);
        AssertClose(Reference(bert, TinyBert.Sentences, 64, PoolingMode.Mean, normalize: false), loaded.Encode(TinyBert.Sentences));
        Assert.Contains("HEAD /bert-tiny/resolve/main/modules.json", server.Requests);
        Assert.True(File.Exists(temp.Combine("hub-cache", "models--bert-tiny", ".no_exist", LocalHubServer.Commit, "modules.json")));
    }

    [Fact]
    public void MissingModelListsEveryPlaceLooked()
    {
        using var temp = new TempFolder();
        using var server = new LocalHubServer("someone-else/model", new Dictionary<string, byte[]>());
        var endpoint = server.Endpoint;
        server.Dispose();

        var error = Assert.Throws<ModelNotFoundException>(() =>
            SentenceTransformer.Load("no-org/no-model", Options(temp) with { Offline = false, Endpoint = endpoint }));

        Assert.Equal(3, error.SearchedLocations.Count);
        Assert.Contains(Path.GetFullPath("no-org/no-model"), error.Message);
        Assert.Contains(temp.Combine("hub-cache", "models--no-org--no-model"), error.Message);
        Assert.Contains($"{endpoint}/no-org/no-model/resolve/main/", error.Message);
    }

    [Fact]
    public void MissingModelOfflineSaysTheHubWasNotAsked()
    {
        using var temp = new TempFolder();

        var error = Assert.Throws<ModelNotFoundException>(() => SentenceTransformer.Load("bert-base-uncased", Options(temp)));

        Assert.Contains("offline", error.Message);
        Assert.Contains(temp.Combine("hub-cache", "models--bert-base-uncased"), error.Message);
    }

    [Fact]
    public void RepositoryWithout404ForConfigIsNotFound()
    {
        using var temp = new TempFolder();
        using var server = new LocalHubServer("org/empty", new Dictionary<string, byte[]>());

        var error = Assert.Throws<ModelNotFoundException>(() =>
            SentenceTransformer.Load("org/empty", Options(temp) with { Offline = false, Endpoint = server.Endpoint }));

        Assert.Contains("config.json", error.Message);
        Assert.Contains("404", error.Message);
    }

    [Fact]
    public void MissingFolderPathIsNotFound()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("does", "not", "exist");

        var error = Assert.Throws<ModelNotFoundException>(() => SentenceTransformer.Load(path, Options(temp)));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void EmptyFolderIsNotAModelFolder()
    {
        using var temp = new TempFolder();
        var folder = temp.Combine("empty");
        Directory.CreateDirectory(folder);

        var error = Assert.Throws<InvalidDataException>(() => SentenceTransformer.Load(folder, Options(temp)));

        Assert.Contains(folder, error.Message);
        Assert.Contains("modules.json", error.Message);
    }

    private static string SavedTinyModel(TempFolder temp)
    {
        var folder = temp.Combine("tiny");
        using var model = TinyBert.Create();
        SentenceTransformerWriter.Save(model, folder);
        return folder;
    }

    [Fact]
    public void CorruptWeightsNameTheFile()
    {
        using var temp = new TempFolder();
        var folder = SavedTinyModel(temp);
        var weights = Path.Combine(folder, "model.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..1000]);

        var error = Assert.Throws<InvalidDataException>(() => SentenceTransformer.Load(folder, Options(temp)));

        Assert.Contains(weights, error.Message);
    }

    [Fact]
    public void MissingWeightsNameTheFolder()
    {
        using var temp = new TempFolder();
        var folder = SavedTinyModel(temp);
        File.Delete(Path.Combine(folder, "model.safetensors"));

        var error = Assert.Throws<FileNotFoundException>(() => SentenceTransformer.Load(folder, Options(temp)));

        Assert.Contains(folder, error.Message);
        Assert.Contains("pytorch_model.bin", error.Message);
    }

    [Fact]
    public void ConfigThatDoesNotMatchTheWeightsNamesBothFiles()
    {
        using var temp = new TempFolder();
        var folder = SavedTinyModel(temp);
        var configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["intermediate_size"] = 128;
        File.WriteAllText(configPath, config.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => SentenceTransformer.Load(folder, Options(temp)));

        Assert.Contains(Path.Combine(folder, "model.safetensors"), error.Message);
        Assert.Contains(configPath, error.Message);
        Assert.Contains("intermediate", error.Message);
    }

    [Fact]
    public void ConfigWithMoreLayersThanTheWeightsNamesTheMissingOnes()
    {
        using var temp = new TempFolder();
        var folder = SavedTinyModel(temp);
        var configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["num_hidden_layers"] = 3;
        File.WriteAllText(configPath, config.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => SentenceTransformer.Load(folder, Options(temp)));

        Assert.Contains(configPath, error.Message);
        Assert.Contains("encoder.layer.2.", error.Message);
    }

    [Fact]
    public void PoolingWidthThatDoesNotMatchTheConfigNamesBothFiles()
    {
        using var temp = new TempFolder();
        var folder = SavedTinyModel(temp);
        var poolingPath = Path.Combine(folder, "1_Pooling", "config.json");
        var pooling = JsonNode.Parse(File.ReadAllText(poolingPath))!;
        pooling["word_embedding_dimension"] = 16;
        File.WriteAllText(poolingPath, pooling.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => SentenceTransformer.Load(folder, Options(temp)));

        Assert.Contains(poolingPath, error.Message);
        Assert.Contains(Path.Combine(folder, "config.json"), error.Message);
    }

    [Fact]
    public void UnreadableVocabNamesTheFileAndLine()
    {
        using var temp = new TempFolder();
        var folder = SavedTinyModel(temp);
        var vocab = Path.Combine(folder, "vocab.txt");
        File.WriteAllBytes(vocab, [.. Encoding.UTF8.GetBytes("[PAD]\n[UNK]\n"), 0xC3, 0x28, (byte)'\n']);

        var error = Assert.Throws<InvalidDataException>(() => SentenceTransformer.Load(folder, Options(temp)));

        Assert.Contains(vocab, error.Message);
        Assert.Contains("line 3", error.Message);
    }

    [Fact]
    public void MalformedModulesJsonNamesTheFileAndLine()
    {
        using var temp = new TempFolder();
        var folder = SavedTinyModel(temp);
        var modules = Path.Combine(folder, "modules.json");
        File.WriteAllText(modules, "[\n  {\"idx\": 0,\n   \"path\": \"\"\n   \"type\": 1}\n]");

        var error = Assert.Throws<InvalidDataException>(() => SentenceTransformer.Load(folder, Options(temp)));

        Assert.Contains(modules, error.Message);
        Assert.Contains("line 4", error.Message);
    }

    [Fact]
    public void UnsupportedModuleIsNamed()
    {
        using var temp = new TempFolder();
        var folder = SavedTinyModel(temp);
        var modules = Path.Combine(folder, "modules.json");
        var list = JsonNode.Parse(File.ReadAllText(modules))!.AsArray();
        list.Add(new JsonObject { ["idx"] = 3, ["name"] = "3", ["path"] = "3_Dense", ["type"] = "sentence_transformers.models.Dense" });
        File.WriteAllText(modules, list.ToJsonString());

        var error = Assert.Throws<InvalidDataException>(() => SentenceTransformer.Load(folder, Options(temp)));

        Assert.Contains(modules, error.Message);
        Assert.Contains("sentence_transformers.models.Dense", error.Message);
    }

    [Fact]
    public void UnknownBundledModelIsNotFound()
    {
        using var temp = new TempFolder();

        var error = Assert.Throws<ModelNotFoundException>(() => SentenceTransformer.Load("bundled:gpt-2", Options(temp)));

        Assert.Contains("bundled:all-MiniLM-L6-v2", error.Message);
    }

    private static void CopyFolder(string source, string destination)
    {
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

/// <summary>An IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
