using System.Diagnostics;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tests.Training;
using NotebookSupport.Training;
using Xunit.Abstractions;

namespace NotebookSupport.Tests.Hub;

/// <summary>
/// A child process (tests/NotebookSupport.SaveLoop) saves a model folder and three checkpoint steps in a loop and is
/// killed with SIGKILL at random moments; after each kill, every path must load as the version before the save that
/// was running or the version it was writing, complete, never missing.
/// </summary>
[Collection(RunsAlone.Name)]
public sealed class SaveKillTests(ITestOutputHelper output)
{
    private const int Kills = 55;
    private static readonly TimeSpan _budget = TimeSpan.FromMinutes(2.5);

    /// <summary>What the child said before it died: the last completed version of each path and the one it was writing.</summary>
    private sealed class Announced
    {
        public Dictionary<string, int> Done { get; } = [];
        public (string Path, int Version)? Running { get; set; }

        public void Read(string line)
        {
            var parts = line.Split(' ');
            if (parts[0] is not ("model" or "checkpoint"))
            {
                return;
            }
            var path = parts[0] == "model" ? "model" : $"checkpoint-{parts[1]}";
            var version = int.Parse(parts[0] == "model" ? parts[1] : parts[2], System.Globalization.CultureInfo.InvariantCulture);
            if (parts[^1] == "done")
            {
                Done[path] = version;
                Running = null;
            }
            else
            {
                Running = (path, version);
            }
        }

        public int[] Allowed(string path) =>
            [.. new int?[] { Done.TryGetValue(path, out var done) ? done : null, Running is { } r && r.Path == path ? r.Version : null }
                .OfType<int>()];
    }

    [Fact]
    public void EveryKillLeavesTheOldOrTheNewVersionOfModelAndCheckpoints()
    {
        using var temp = new TempFolder();
        var modelFolder = temp.Combine("model");
        var root = temp.Combine("checkpoints");
        Directory.CreateDirectory(modelFolder);
        var notes = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(Path.Combine(modelFolder, "notes.bin"), notes);
        var announced = new Announced();
        var random = new Random(12);
        var phases = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var next = 1;
        var kills = 0;
        var stopwatch = Stopwatch.StartNew();

        // The first run is killed only once it has written every path, so that each later kill has an old version to keep.
        RunAndKill(modelFolder, root, next, TimeSpan.Zero, announced, untilEveryPathIsSaved: true);
        Assert.True(announced.Done.Count == 4, $"the first run completed only {string.Join(", ", announced.Done.Keys)}");
        next = announced.Running?.Version + 1 ?? announced.Done.Values.Max() + 1;
        Verify(modelFolder, root, announced, temp);

        while (kills < Kills && stopwatch.Elapsed < _budget)
        {
            // The first save of a run is slow (JIT); delays up to 800 ms reach every later part of the loop: staging, commit,
            // moves, checkpoint exchange.
            RunAndKill(modelFolder, root, next, TimeSpan.FromMilliseconds(random.Next(0, 800)), announced);
            kills++;
            var phase = Phase(modelFolder, root, announced);
            phases[phase] = phases.GetValueOrDefault(phase) + 1;
            next = Math.Max(announced.Running?.Version ?? 0, announced.Done.Values.Max()) + 1;
            Verify(modelFolder, root, announced, temp);
            Assert.Equal(notes, File.ReadAllBytes(Path.Combine(modelFolder, "notes.bin")));
        }

        output.WriteLine($"{kills} kills in {stopwatch.Elapsed.TotalSeconds:F0} s, {next - 1} versions; phases hit:");
        foreach (var (phase, count) in phases)
        {
            output.WriteLine($"  {count,3}  {phase}");
        }
        Assert.True(kills >= 50, $"only {kills} kills within {_budget}");
        Assert.True(phases.Keys.Count(p => p.StartsWith("model save", StringComparison.Ordinal)) >= 2
                    && phases.Keys.Any(p => p.StartsWith("checkpoint save", StringComparison.Ordinal)),
            $"kills hit too few phases: {string.Join("; ", phases.Keys)}");
    }

    private static void RunAndKill(string modelFolder, string root, int firstVersion, TimeSpan delay, Announced announced, bool untilEveryPathIsSaved = false)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "NotebookSupport.SaveLoop.dll"), modelFolder, root, firstVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }
        using var child = Process.Start(start)!;
        var error = child.StandardError.ReadToEndAsync();
        var ready = child.StandardOutput.ReadLine();
        if (ready != "ready")
        {
            child.WaitForExit();
            Assert.Fail($"the save loop did not start: {ready} {error.Result}");
        }
        if (untilEveryPathIsSaved)
        {
            // On a busy machine the first saves (JIT, first file system writes) take anything from 0.2 to several seconds.
            using var watchdog = new Timer(_ => child.Kill(), null, TimeSpan.FromMinutes(2), Timeout.InfiniteTimeSpan);
            while (announced.Done.Count < 4 && child.StandardOutput.ReadLine() is { } line)
            {
                announced.Read(line.TrimEnd('\r'));
            }
        }
        var lines = child.StandardOutput.ReadToEndAsync();
        Thread.Sleep(delay);
        child.Kill();  // SIGKILL on Unix
        child.WaitForExit();
        foreach (var line in lines.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            announced.Read(line.TrimEnd('\r'));
        }
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    /// <summary>Where the kill fell, read from the disk before anything repairs it.</summary>
    private static string Phase(string modelFolder, string root, Announced announced)
    {
        if (announced.Running is not { } running)
        {
            return "between saves";
        }
        if (running.Path == "model")
        {
            var staging = Directory.GetDirectories(modelFolder, ModelFolderTransaction.StagingPrefix + "*");
            return staging.Length == 0 ? "model save: no staging folder (before it, or after the commit was complete)"
                : staging.Any(s => File.Exists(Path.Combine(s, ModelFolderTransaction.CommitFile))) ? "model save: committed, files being moved in"
                : "model save: files being staged, not committed";
        }
        var leftovers = Directory.GetDirectories(root, ".*");
        return leftovers.Length == 0 ? "checkpoint save: no leftovers (before staging, or exchanged and cleaned)"
            : leftovers.Any(l => l.EndsWith(".old", StringComparison.Ordinal)) ? "checkpoint save: old copy set aside"
            : "checkpoint save: staging folder present (being written, or old copy after the exchange)";
    }

    private static void Verify(string modelFolder, string root, Announced announced, TempFolder temp)
    {
        var log = new List<string>();
        using (var model = SentenceTransformer.Load(modelFolder, new ModelLoadOptions { Offline = true, CacheFolder = temp.Combine("cache"), Log = log.Add }))
        {
            var version = Marker(model);
            Assert.Contains(version, announced.Allowed("model"));
            var (mode, normalize, maxSeqLength) = SaveLoopVersion.Layout(version);
            Assert.Equal(mode, model.Pooling.Mode);
            Assert.Equal(normalize, model.Normalize is not null);
            Assert.Equal(maxSeqLength, model.MaxSeqLength);
            announced.Done["model"] = version;
        }
        Assert.Empty(Directory.GetFileSystemEntries(modelFolder, ".*"));

        for (var step = 1; step <= 3; step++)
        {
            var path = Path.Combine(root, $"checkpoint-{step}");
            var allowed = announced.Allowed($"checkpoint-{step}");
            using var model = TinyBert.Create(PoolingMode.Mean, normalize: true);
            var state = Checkpoints.Load(Checkpoints.Resolve(path), model, [new MultipleNegativesRankingLoss(model)], OptimizerFactory.AdamW(model.named_parameters(), kind: OptimizerKind.FusedAdamW));
            var version = (int)state.ElapsedSeconds;
            Assert.Contains(version, allowed);
            Assert.Equal(step, state.GlobalStep);
            Assert.Equal(version, Marker(model));
            announced.Done[$"checkpoint-{step}"] = version;
        }
        Assert.Empty(Directory.GetFileSystemEntries(root, ".*"));
        announced.Running = null;
    }

    private static int Marker(SentenceTransformer model) =>
        (int)model.Transformer.AutoModel.state_dict()["embeddings.word_embeddings.weight"][0, 0].item<float>();
}
