using System.Text.Json.Nodes;
using NotebookSupport.Cli;

namespace NotebookSupport.Notebooks.Tests;

public sealed partial class RealKernelTests
{
    /// <summary>
    /// Notebook 5's table is what <c>st train</c> and <c>st evaluate</c> print for the same recipe on the files the
    /// notebook wrote (two of its eight recipes: MNR on the triplets, and CoSENT on the scored STSb pairs).
    /// </summary>
    [Theory]
    [InlineData("triplets", new[] { "--data", "triplets.tsv", "--hard-negatives" })]
    [InlineData("CoSENT (STSb train)", new[] { "--data", "sts-train.tsv", "--loss", "cosent" })]
    public async Task NotebookFivesTableEqualsTheCommandLineOnTheSameFiles(string recipe, string[] trainArgs)
    {
        var run = await kernel.RepositoryNotebookAsync("05-beyond-mnr.ipynb");
        AssertNoFailures(run);
        var artifacts = Path.Combine(RepositoryPaths.Notebooks, "artifacts", "05-beyond-mnr");
        var row = JsonNode.Parse(File.ReadAllText(Path.Combine(artifacts, "results.json")))!.AsArray().Single(r => r!["Recipe"]!.GetValue<string>() == recipe)!;
        var output = Directory.CreateTempSubdirectory("beyond-mnr-cli-").FullName;
        try
        {
            var model = Path.Combine(output, "model");
            string[] train = ["train", "--model", "bundled:all-MiniLM-L6-v2", .. trainArgs.Select(a => a.EndsWith(".tsv", StringComparison.Ordinal) ? Path.Combine(artifacts, a) : a),
                "--output", model, "--checkpoint-steps", "0", "--no-progress"];
            Cli(train);
            var slice = Path.Combine(artifacts, "snli-test-slice.csv");
            var dev = Json(Cli("evaluate", "--model", model, "--sts", Path.Combine(RepositoryPaths.Root, "data", "stsb", "sts-dev.csv"), "--json", "--no-progress"))[0];
            var results = Json(Cli("evaluate", "--model", model, "--sts", Path.Combine(RepositoryPaths.Root, "data", "stsb", "sts-test.csv"),
                "--triplets", slice, "--ir", slice, "--json", "--no-progress"));

            // The same code on the same data and seed; only the thread scheduling of two processes may differ.
            Assert.Equal(row["StsDev"]!.GetValue<double>(), dev["spearman"]!.GetValue<double>(), 0.01);
            Assert.Equal(row["StsTest"]!.GetValue<double>(), results[0]["spearman"]!.GetValue<double>(), 0.01);
            Assert.Equal(row["TripletAccuracy"]!.GetValue<double>(), results[1]["metrics"]!["cosine_accuracy"]!.GetValue<double>(), 0.001);
            Assert.Equal(row["Ndcg10"]!.GetValue<double>(), results[2]["metrics"]!["cosine_ndcg@10"]!.GetValue<double>(), 0.0005);
            Assert.Equal(row["Mrr10"]!.GetValue<double>(), results[2]["metrics"]!["cosine_mrr@10"]!.GetValue<double>(), 0.0005);
            Assert.Equal(row["Steps"]!.GetValue<int>(), NotebookSupport.Training.TrainingLog.Read(Path.Combine(model, NotebookSupport.Training.Trainer.LogFileName)).Count(e => e.Loss is not null));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }

        static string Cli(params string[] args)
        {
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            var exitCode = CliApp.Run(args, stdout, stderr);
            Assert.True(exitCode == 0, $"st {string.Join(' ', args)} exited with {exitCode}:\n{stderr}\n{stdout}");
            return stdout.ToString();
        }

        static List<JsonNode> Json(string lines) => [.. lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)];
    }
}
