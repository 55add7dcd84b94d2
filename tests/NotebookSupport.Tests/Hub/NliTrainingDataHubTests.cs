using System.Net;
using System.Net.Sockets;
using NotebookSupport.Cli;
using NotebookSupport.Data.Nli;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Tests.Data;
using NotebookSupport.Tests.Data.Nli;

namespace NotebookSupport.Tests.Hub;

/// <summary>
/// The full experiment's data path (<see cref="NliTrainingData"/> with <c>fullExperiment: true</c>) against
/// <see cref="LocalHubServer"/> serving SNLI and GLUE mnli train parquet files in the hub's dataset layout, from
/// local files, and without network.
/// </summary>
public sealed class NliTrainingDataHubTests : IDisposable
{
    private static readonly FixtureRow[] _snliRows = NliFixtures.Rows;

    private static readonly FixtureRow[] _mnliRows =
    [
        new("Conceptually cream skimming has two basic dimensions - product and geography.", "Product and geography are what make cream skimming work.", 1, "government", 31193, "31193n"),
        new("you know during the season and i guess at at your level uh you lose them to the next level", "You lose the things to the following level if the people recall.", 0, "telephone", 101457, "101457e"),
        new("One of our number will carry out your instructions minutely.", "A member of my team will execute your orders with immense precision.", 0, "fiction", 134793, "134793e"),
        new("How do you know? All this is their information again.", "This information belongs to them.", 2, "fiction", 37397, "37397c"),
    ];

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The pairs the tutorial wants: entailment rows of SNLI, then of MultiNLI, as (premise, hypothesis).</summary>
    private static IEnumerable<(string, string)> ExpectedPairs =>
        _snliRows.Concat(_mnliRows).Where(r => r.Label == 0).Select(r => (r.Premise, r.Hypothesis));

    [Fact]
    public async Task FullExperimentDownloadsSnliAndGlueMnliTrainThenReadsThemFromTheCache()
    {
        var snli = await Parquet("snli.parquet", _snliRows, withIdx: false, labelRequired: false);
        var mnli = await Parquet("mnli.parquet", _mnliRows, withIdx: true, labelRequired: true);
        var cache = _temp.File("hub");
        using (var server = new LocalHubServer(
                   [
                       ("stanfordnlp/snli", new Dictionary<string, byte[]> { [NliTrainingData.SnliTrain.FilePath] = snli }, [NliTrainingData.SnliTrain.FilePath]),
                       ("nyu-mll/glue", new Dictionary<string, byte[]> { [NliTrainingData.MultiNliTrain.FilePath] = mnli }, [NliTrainingData.MultiNliTrain.FilePath]),
                   ],
                   HubRepoType.Dataset))
        {
            var options = new NliDataOptions { HubCacheFolder = cache, Endpoint = server.Endpoint };

            var (first, second) = NliTrainingData.LoadSources(fullExperiment: true, options);
            var pairs = NliTrainingData.LoadPairs(fullExperiment: true, options);

            Assert.Equal(("snli", "mnli"), (first.Name, second.Name));
            Assert.Equal(["premise", "hypothesis", "label", "idx"], second.ColumnNames);
            Assert.Equal(ExpectedPairs, pairs.Examples.Select(e => (e.Texts[0], e.Texts[1])));
            Assert.Equal(new Dictionary<string, long> { ["neutral"] = 2, ["contradiction"] = 2, ["none"] = 1 }, pairs.Dropped);
            Assert.Contains($"HEAD /datasets/stanfordnlp/snli/resolve/main/{NliTrainingData.SnliTrain.FilePath}", server.Requests);
            Assert.Contains($"HEAD /datasets/nyu-mll/glue/resolve/main/{NliTrainingData.MultiNliTrain.FilePath}", server.Requests);
        }

        Assert.Equal(mnli, File.ReadAllBytes(Path.Combine(cache, "datasets--nyu-mll--glue", "snapshots", LocalHubServer.Commit, "mnli", "train-00000-of-00001.parquet")));
        var cached = NliTrainingData.LoadPairs(fullExperiment: true, new NliDataOptions { HubCacheFolder = cache, Endpoint = ClosedEndpoint() });
        Assert.Equal(ExpectedPairs, cached.Examples.Select(e => (e.Texts[0], e.Texts[1])));
    }

    [Fact]
    public void FullExperimentReadsLocalJsonlFilesWhoseExtraColumnsDiffer()
    {
        var snli = _temp.File("snli_1.0_train.jsonl");
        var mnli = _temp.File("multinli_1.0_train.jsonl");
        NliFixtures.WriteUtf8(snli, NliFixtures.SnliJsonl(_snliRows));
        NliFixtures.WriteUtf8(mnli, NliFixtures.MultiNliJsonl(_mnliRows));
        var options = new NliDataOptions { SnliTrainFile = snli, MultiNliTrainFile = mnli, HubCacheFolder = _temp.File("hub"), Endpoint = ClosedEndpoint() };

        var pairs = NliTrainingData.LoadPairs(fullExperiment: true, options);

        Assert.Equal(ExpectedPairs, pairs.Examples.Select(e => (e.Texts[0], e.Texts[1])));
        Assert.False(Directory.Exists(_temp.File("hub")));
    }

    [Fact]
    public void WithoutNetworkTheErrorNamesRepositoryFileCacheAndTheWaysOut()
    {
        var cache = _temp.File("hub");
        var endpoint = ClosedEndpoint();

        var error = Assert.Throws<NliDataNotFoundException>(() =>
            NliTrainingData.LoadPairs(fullExperiment: true, new NliDataOptions { HubCacheFolder = cache, Endpoint = endpoint }));

        Assert.StartsWith("SNLI train", error.Message);
        AssertNamesRepositoryFileCacheAndWaysOut(error.Message, cache, endpoint);
        Assert.Equal(NliTrainingData.SnliTrain, error.Dataset);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task MultiNliMissingOnTheHubIsNamedWithTheHubsAnswer()
    {
        var snli = await Parquet("snli.parquet", _snliRows, withIdx: false, labelRequired: false);
        using var server = new LocalHubServer("stanfordnlp/snli", new Dictionary<string, byte[]> { [NliTrainingData.SnliTrain.FilePath] = snli }, repoType: HubRepoType.Dataset);

        var error = Assert.Throws<NliDataNotFoundException>(() =>
            NliTrainingData.LoadSources(fullExperiment: true, new NliDataOptions { HubCacheFolder = _temp.File("hub"), Endpoint = server.Endpoint }));

        Assert.Equal(NliTrainingData.MultiNliTrain, error.Dataset);
        Assert.Contains($"{server.Endpoint}/datasets/nyu-mll/glue/resolve/main/mnli/train-00000-of-00001.parquet", error.Message);
        Assert.Contains("404", error.Message);
    }

    internal static void AssertNamesRepositoryFileCacheAndWaysOut(string message, string cache, string endpoint)
    {
        Assert.Contains("SNLI train (stanfordnlp/snli, file plain_text/train-00000-of-00001.parquet) not found.", message);
        Assert.Contains($"Hugging Face cache '{Path.Combine(cache, "datasets--stanfordnlp--snli")}'", message);
        Assert.Contains($"the hub at {endpoint}/datasets/stanfordnlp/snli/resolve/main/plain_text/train-00000-of-00001.parquet: no connection", message);
        Assert.Contains("HF_ENDPOINT", message);
        Assert.Contains($"copy the folder datasets--stanfordnlp--snli from a machine that has it into {cache}", message);
        Assert.Contains("HF_HUB_CACHE", message);
        Assert.Contains("NliDataOptions { SnliTrainFile = ..., MultiNliTrainFile = ... }", message);
        Assert.Contains("st reproduce --data", message);
    }

    /// <summary>A port on 127.0.0.1 that nothing listens on: connections are refused at once.</summary>
    internal static string ClosedEndpoint()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}";
    }

    private async Task<byte[]> Parquet(string name, FixtureRow[] rows, bool withIdx, bool labelRequired)
    {
        await NliFixtures.WriteHfParquetAsync(_temp.File(name), rows, withIdx, labelRequired);
        return File.ReadAllBytes(_temp.File(name));
    }
}

/// <summary>
/// The same, through the environment (HF_ENDPOINT, HF_HUB_CACHE) as a user meets it, in the API and in
/// <c>st reproduce --preset video</c>: without network, and end to end against a mirror.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class NliTrainingDataOfflineTests
{
    private static void WithHubEnvironment(string endpoint, string cache, Action test, bool offline = false)
    {

        string[] names = ["HF_ENDPOINT", "HF_HUB_CACHE", "HF_HUB_OFFLINE"];
        var saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("HF_ENDPOINT", endpoint);
            Environment.SetEnvironmentVariable("HF_HUB_CACHE", cache);
            Environment.SetEnvironmentVariable("HF_HUB_OFFLINE", offline ? "1" : null);
            test();
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    [Fact]
    public void LoaderApiWithAClosedMirrorAndAnEmptyCache()
    {
        using var temp = new TempDirectory();
        var endpoint = NliTrainingDataHubTests.ClosedEndpoint();
        WithHubEnvironment(endpoint, temp.Path, () =>
        {
            var error = Assert.Throws<NliDataNotFoundException>(() => NliTrainingData.LoadSources(fullExperiment: true));

            NliTrainingDataHubTests.AssertNamesRepositoryFileCacheAndWaysOut(error.Message, temp.Path, endpoint);
        });
    }

    [Fact]
    public void OfflineModeNamesTheCacheAndDoesNotAskTheHub()
    {
        using var temp = new TempDirectory();
        WithHubEnvironment("http://127.0.0.1:9", temp.Path, () =>
        {
            var error = Assert.Throws<NliDataNotFoundException>(() => NliTrainingData.LoadPairs(fullExperiment: true));

            Assert.Contains($"Hugging Face cache '{Path.Combine(temp.Path, "datasets--stanfordnlp--snli")}'", error.Message);
            Assert.Contains("the hub: not asked, offline mode (HF_HUB_OFFLINE is set; unset it to download)", error.Message);
            Assert.DoesNotContain("127.0.0.1:9", error.Message);
            Assert.Contains("HF_ENDPOINT", error.Message);
        }, offline: true);
    }

    [Fact]
    public void ReproduceVideoPresetPrintsTheSameMessageAndExitsWithOne()
    {
        using var temp = new TempDirectory();
        var cache = Directory.CreateDirectory(temp.File("hub")).FullName;
        var endpoint = NliTrainingDataHubTests.ClosedEndpoint();
        WithHubEnvironment(endpoint, cache, () =>
        {
            var output = new StringWriter();
            var error = new StringWriter();

            var exitCode = CliApp.Run(["reproduce", "--preset", "video", "--output", temp.File("run"), "--no-progress"], output, error);

            Assert.Equal(CliApp.RuntimeFailure, exitCode);
            var message = error.ToString();
            Assert.StartsWith("error: SNLI train", message);
            NliTrainingDataHubTests.AssertNamesRepositoryFileCacheAndWaysOut(message, cache, endpoint);
            Assert.DoesNotContain("== load model", output.ToString());
        });
    }

    /// <summary>
    /// The full experiment end to end against a mirror (HF_ENDPOINT) serving small files in the real layouts: SNLI and
    /// GLUE mnli train as Hugging Face parquet, and a tiny plain BERT checkpoint as <c>bert-base-uncased</c>. The video
    /// preset downloads all three, trains, scores, draws the heatmap and writes its report, and the cache then holds them.
    /// </summary>
    [Fact]
    public async Task ReproduceVideoPresetRunsEndToEndAgainstAMirror()
    {
        using var temp = new TempDirectory();
        await NliFixtures.WriteHfParquetAsync(temp.File("snli.parquet"), NliFixtures.Rows, withIdx: false, labelRequired: false);
        await NliFixtures.WriteHfParquetAsync(temp.File("mnli.parquet"), NliFixtures.Rows, withIdx: true, labelRequired: true);
        using var bert = new BertModel(TinyBert.Config);
        using var weights = new MemoryStream();
        SafeTensors.Save(bert.state_dict(), weights);
        var model = new Dictionary<string, byte[]>
        {
            ["config.json"] = System.Text.Encoding.UTF8.GetBytes(TinyBert.Config.ToJson()),
            ["vocab.txt"] = System.Text.Encoding.UTF8.GetBytes(TinyBert.VocabText),
            ["model.safetensors"] = weights.ToArray(),
        };
        using var server = new LocalHubServer(
        [
            ("stanfordnlp/snli", HubRepoType.Dataset, new Dictionary<string, byte[]> { [NliTrainingData.SnliTrain.FilePath] = File.ReadAllBytes(temp.File("snli.parquet")) }, [NliTrainingData.SnliTrain.FilePath]),
            ("nyu-mll/glue", HubRepoType.Dataset, new Dictionary<string, byte[]> { [NliTrainingData.MultiNliTrain.FilePath] = File.ReadAllBytes(temp.File("mnli.parquet")) }, [NliTrainingData.MultiNliTrain.FilePath]),
            ("bert-base-uncased", HubRepoType.Model, model, ["model.safetensors"]),
        ]);
        var cache = Directory.CreateDirectory(temp.File("hub")).FullName;
        var run = temp.File("run");
        // The first 40 pairs of STSb dev and test, so the tiny model is scored in a moment.
        File.WriteAllLines(temp.File("dev.csv"), File.ReadLines(RepoData.Path("stsb", "sts-dev.csv")).Take(40));
        File.WriteAllLines(temp.File("test.csv"), File.ReadLines(RepoData.Path("stsb", "sts-test.csv")).Take(40));
        var output = new StringWriter();
        var error = new StringWriter();

        var exitCode = 0;
        WithHubEnvironment(server.Endpoint, cache, () =>
            exitCode = CliApp.Run(["reproduce", "--preset", "video", "--output", run, "--no-progress", "--sts-dev", temp.File("dev.csv"), "--sts", temp.File("test.csv")], output, error));

        Assert.True(exitCode == 0, $"{error}\n{output}");
        var entailments = NliFixtures.Rows.Count(r => r.Label == 0);
        Assert.Contains($"pairs: {2 * entailments:N0} (anchor, positive) from entailment rows", output.ToString());
        Assert.Contains("video: model bert-base-uncased, 2 layers", output.ToString());
        var report = File.ReadAllText(Path.Combine(run, "report.md"));
        Assert.Contains("| The video: bert-base-uncased on SNLI + MultiNLI | bert-base-uncased (", report);
        Assert.True(File.Exists(Path.Combine(run, "video", "model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(run, "heatmap.svg")));
        Assert.Contains($"HEAD /datasets/stanfordnlp/snli/resolve/main/{NliTrainingData.SnliTrain.FilePath}", server.Requests);
        Assert.Contains($"HEAD /datasets/nyu-mll/glue/resolve/main/{NliTrainingData.MultiNliTrain.FilePath}", server.Requests);
        Assert.Contains("HEAD /bert-base-uncased/resolve/main/config.json", server.Requests);
        Assert.True(Directory.Exists(Path.Combine(cache, "models--bert-base-uncased", "snapshots", LocalHubServer.Commit)));
    }
}
