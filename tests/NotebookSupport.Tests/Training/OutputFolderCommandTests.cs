using NotebookSupport.Cli;
using NotebookSupport.Data;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Plotting;
using NotebookSupport.Training;

namespace NotebookSupport.Tests.Training;

/// <summary><c>st train --output .</c> and <c>st reproduce --output DIR</c> in folders that already hold files.</summary>
[Collection(RunsAlone.Name)]  // changes the working folder, which is per process
public sealed class OutputFolderCommandTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = CliApp.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private static Dictionary<string, byte[]> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);

    private static void AssertSame(Dictionary<string, byte[]> expected, Dictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bytes) in expected)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(actual[name]), $"{name} changed");
        }
    }

    [Fact]
    public void TrainIntoTheWorkingFolderKeepsItsFilesAndRefusesToReplaceAnEarlierRunWithoutOverwrite() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var work = Directory.CreateDirectory(temp.Combine("work")).FullName;
        var data = temp.Combine("pairs.tsv");
        InputExampleTsv.Write(data, SnliPairs.Get(16), 2);
        File.WriteAllText(Path.Combine(work, "notes.txt"), "experiment notes\n");
        File.WriteAllBytes(Path.Combine(work, "figure.png"), [137, 80, 78, 71, 1, 2, 3]);
        Directory.CreateDirectory(Path.Combine(work, "src"));
        File.WriteAllText(Path.Combine(work, "src", "main.py"), "print('hi')\n");
        var mine = Snapshot(work);
        string[] train = ["train", "--model", "random:bert-tiny", "--data", data, "--output", ".", "--batch-size", "8",
                          "--max-seq-length", "16", "--checkpoint-steps", "0", "--no-progress"];
        var previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(work);
        try
        {
            var (exitCode, stdout, stderr) = Run(train);
            Assert.True(exitCode == 0, stderr + stdout);
            foreach (var (name, bytes) in mine)
            {
                Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(work, name)));
            }
            using (var model = SentenceTransformer.Load(work, new ModelLoadOptions { Log = _ => { } }))
            {
                Assert.Equal(128, model.EmbeddingDimension);
            }
            var firstRun = Snapshot(work);

            // Again: the model, log and loss curve of the first run are in the way; refused before training, naming them.
            var (againExit, _, againError) = Run(train);
            Assert.Equal(1, againExit);
            Assert.Contains(work, againError);
            foreach (var name in new[] { "modules.json", "model.safetensors", "README.md", Trainer.LogFileName, LossCurve.FileName })
            {
                Assert.Contains(name, againError);
            }
            Assert.Contains("--overwrite", againError);
            Assert.DoesNotContain("notes.txt", againError);
            AssertSame(firstRun, Snapshot(work));

            var (overwriteExit, _, overwriteError) = Run([.. train, "--seed", "5", "--overwrite"]);
            Assert.True(overwriteExit == 0, overwriteError);
            foreach (var (name, bytes) in mine)
            {
                Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(work, name)));
            }
            Assert.NotEqual(firstRun["model.safetensors"], File.ReadAllBytes(Path.Combine(work, "model.safetensors")));
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
            Directory.Delete(work + "-checkpoints", recursive: true);
        }
        return 0;
    });

    [Fact]
    public void TrainRefusesAProjectFolderWhoseReadmeTheModelCardWouldReplace()
    {
        using var temp = new TrainingTempFolder();
        var project = Directory.CreateDirectory(temp.Combine("project")).FullName;
        File.WriteAllText(Path.Combine(project, "README.md"), "# my project\n");
        var data = temp.Combine("pairs.tsv");
        InputExampleTsv.Write(data, SnliPairs.Get(8), 2);

        var (exitCode, _, stderr) = Run("train", "--model", "random:bert-tiny", "--data", data, "--output", project, "--checkpoint-steps", "0", "--no-progress");

        Assert.Equal(1, exitCode);
        Assert.Contains(project, stderr);
        Assert.Contains("README.md", stderr);
        Assert.Equal(["README.md"], Directory.GetFileSystemEntries(project).Select(Path.GetFileName));
        Assert.Equal("# my project\n", File.ReadAllText(Path.Combine(project, "README.md")));
    }

    [Fact]
    public void ReproduceRefusesToReplaceAnEarlierRunsArtifacts()
    {
        using var temp = new TrainingTempFolder();
        var run = temp.Combine("run");
        Directory.CreateDirectory(Path.Combine(run, "tutorial", "model"));
        Directory.CreateDirectory(Path.Combine(run, "from-scratch"));
        File.WriteAllText(Path.Combine(run, "report.md"), "# earlier run\n");
        File.WriteAllText(Path.Combine(run, "tutorial", "model", "modules.json"), "[]");
        File.WriteAllText(Path.Combine(run, "from-scratch", "loss_curve.png"), "png");
        File.WriteAllText(Path.Combine(run, "mine.txt"), "keep");
        var before = Snapshot(run);

        var (exitCode, _, stderr) = Run("reproduce", "--output", run, "--no-progress");

        Assert.Equal(1, exitCode);
        Assert.Contains(Path.GetFullPath(run), stderr);
        Assert.Contains("report.md", stderr);
        Assert.Contains("tutorial/model/modules.json", stderr);
        Assert.Contains("from-scratch/loss_curve.png", stderr);
        Assert.Contains("--overwrite", stderr);
        Assert.DoesNotContain("mine.txt", stderr);
        AssertSame(before, Snapshot(run));
    }
}
