using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using NotebookSupport.Cli;
using NotebookSupport.Data.Nli;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Tests.Data;
using NotebookSupport.Training;
using TorchSharp;

namespace NotebookSupport.Tests.Training;

/// <summary>
/// <c>st reproduce</c> on a small slice of the bundled data: each experiment's row, its scores before training and after
/// every epoch, its loss curve and the heatmap before and after, each checked against the saved model, the training
/// log and a model re-created from the seed.
/// </summary>
[Collection(RunsAlone.Name)]  // seeds torch's global generator
public sealed class ReproduceCommandTests
{
    private static readonly XNamespace _svg = "http://www.w3.org/2000/svg";

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = CliApp.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    // 300 SNLI rows (96 entailment pairs) and the first 60 pairs of STSb dev and test.
    private static string[] SmallData(TrainingTempFolder temp)
    {
        var snli = temp.Combine("snli.csv");
        File.WriteAllLines(snli, File.ReadLines(RepoData.Path("snli", "snli_1.0_dev.csv")).Take(300));
        var dev = temp.Combine("dev.csv");
        File.WriteAllLines(dev, File.ReadLines(RepoData.Path("stsb", "sts-dev.csv")).Take(60));
        var test = temp.Combine("test.csv");
        File.WriteAllLines(test, File.ReadLines(RepoData.Path("stsb", "sts-test.csv")).Take(60));
        return ["--data", snli, "--sts-dev", dev, "--sts", test];
    }

    [Fact]
    public void RunsReportDevAndTestBeforeAndAfterEachEpochAndTheHeatmapBeforeAndAfter() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var data = SmallData(temp);
        var run = temp.Combine("run");

        var (exitCode, stdout, stderr) = Run(["reproduce", "--output", run, "--experiments", "from-scratch", "knows-words", "--epochs", "2", "--no-progress", .. data]);

        Assert.True(exitCode == 0, stderr + stdout);
        var report = File.ReadAllText(Path.Combine(run, "report.md"));
        Assert.Contains("| A1. The video's recipe on a randomly initialised BERT (bert-tiny) | random:bert-tiny (2 layers, hidden 128", report);
        Assert.Contains("| A2. The video's recipe on a BERT that knows words, not sentences (minilm-2l) | random:minilm-2l (2 layers, hidden 384", report);
        Assert.DoesNotContain("| B. ", report);
        var epochs = EpochRows(report)[..3];   // A1's table comes first, then A2's
        Assert.Equal(["before training", "1", "2", "before training", "1", "2"], EpochRows(report).Select(r => r.Epoch));

        // Before training: the seeded random model, re-created here, scores what the report says.
        var dev = EmbeddingSimilarityEvaluator.FromStsFile(data[3]);
        var test = EmbeddingSimilarityEvaluator.FromStsFile(data[5]);
        torch.manual_seed(42);
        using var initial = BertMiniatures.CreateRandom("bert-tiny");
        Assert.Equal(Round(dev.Evaluate(initial).SpearmanCosine), epochs[0].Dev);
        Assert.Equal(Round(test.Evaluate(initial).SpearmanCosine), epochs[0].Test);

        // After each epoch: the dev scores are the ones Fit's evaluator logged; the last row is the saved model's.
        var logged = TrainingLog.Read(Path.Combine(run, "from-scratch", Trainer.LogFileName)).Where(e => e.EvalSpearman is not null).ToList();
        Assert.Equal([4, 8], logged.Select(e => e.Step));   // 96 pairs: 4 batches, as repeated premises may not share one
        Assert.Equal(logged.Select(e => Round(e.EvalSpearman!.Value)), epochs.Skip(1).Select(r => r.Dev));
        using var trained = SentenceTransformer.Load(Path.Combine(run, "from-scratch", "model"));
        Assert.Equal(Round(dev.Evaluate(trained).SpearmanCosine), epochs[2].Dev);
        Assert.Equal(Round(test.Evaluate(trained).SpearmanCosine), epochs[2].Test);
        Assert.Contains($"| {epochs[0].Dev} -> {epochs[2].Dev} (", report);

        // The loss curve has one point per step (2 epochs of 4 batches).
        var curve = XDocument.Parse(File.ReadAllText(Path.Combine(run, "from-scratch", "loss_curve.svg")));
        Assert.Equal(8, curve.Descendants(_svg + "polyline").Single().Attribute("points")!.Value.Split(' ').Length);
        Assert.True(File.Exists(Path.Combine(run, "from-scratch", "loss_curve.png")));

        // The heatmap is A2's: panel 0 is the model before training, panel 1 the saved model, both recomputed here.
        torch.manual_seed(42);
        using var knowsWords = BertMiniatures.CreateRandom(BertMiniatures.OnBundledEmbeddings);
        using var knowsWordsTrained = SentenceTransformer.Load(Path.Combine(run, "knows-words", "model"));
        var sentences = File.ReadAllLines(RepoData.Path("heatmap", "sentences.txt")).Where(l => l.Trim().Length > 0).ToList();
        var svg = File.ReadAllText(Path.Combine(run, "heatmap.svg"));
        AssertCells(CosineSimilarities(knowsWords, sentences), HeatmapPanel(svg, 0));
        var after = HeatmapPanel(svg, 1);
        AssertCells(CosineSimilarities(knowsWordsTrained, sentences), after);
        Assert.True(File.Exists(Path.Combine(run, "heatmap.png")));

        // The report says of each paraphrase pair whether it is the largest off-diagonal cell of both its rows.
        foreach (var (a, b) in new[] { (1, 9), (3, 4), (5, 7) })
        {
            bool Largest(int row, int partner) => Enumerable.Range(0, 10).Where(j => j != row && j != partner).All(j => after[row, j] < after[row, partner]);
            var line = report.Split('\n').Single(l => l.StartsWith($"| {a} \"{sentences[a]}\" / {b} \"{sentences[b]}\" |", StringComparison.Ordinal));
            Assert.EndsWith(Largest(a, b) && Largest(b, a) ? "| yes |" : "| no |", line.TrimEnd());
        }
        return 0;
    });

    [Fact]
    public void DefaultPresetRunsEveryExperimentAfterOneEstimateForAll() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var run = temp.Combine("run");

        var (exitCode, stdout, stderr) = Run(["reproduce", "--output", run, "--epochs", "1", "--no-progress", .. SmallData(temp)]);

        Assert.True(exitCode == 0, stderr + stdout);
        var estimate = stdout.IndexOf("estimated training time: ", StringComparison.Ordinal);
        Assert.True(estimate >= 0, stdout);
        Assert.Matches(@"estimated training time: \d\d:\d\d:\d\d for 4 run\(s\) \(from-scratch \d\d:\d\d:\d\d, knows-words \d\d:\d\d:\d\d, tutorial \d\d:\d\d:\d\d, beyond \d\d:\d\d:\d\d\)", stdout);
        Assert.True(estimate < stdout.IndexOf("from-scratch training:", StringComparison.Ordinal), "the estimate comes before any training");
        var report = File.ReadAllText(Path.Combine(run, "report.md"));
        var rows = report.Split('\n').Where(l => new[] { "| A1. ", "| A2. ", "| B. ", "| C. " }.Any(p => l.StartsWith(p, StringComparison.Ordinal))).ToList();
        Assert.Equal(4, rows.Count);
        Assert.Contains("| B. The tutorial's recipe on the bundled all-MiniLM-L6-v2 | bundled:all-MiniLM-L6-v2 (6 layers, hidden 384", rows[2]);
        Assert.Contains("1 epoch(s), 4 steps (0 warm-up), batch 32, lr 2e-5, scale 20", rows[2]);
        // C trains on the triplets of the same rows, a step of MNR and a step of CosineSimilarityLoss on STSb train in turn.
        var triplets = NliLoader.Load(SmallData(temp)[1]).ToTriplets().Examples.Count;
        var stsTrain = NotebookSupport.Evaluation.StsBenchmark.LoadInputExamples(RepoData.Path("stsb", "sts-train.csv")).Count;
        Assert.Contains($"beyond training: {triplets:N0} triplets and {stsTrain:N0} scored STSb train pairs, a step of each in turn", stdout);
        Assert.Contains($"; MNR on triplets (hard negatives); plus CosineSimilarityLoss on {stsTrain:N0} STSb train pairs, a step of each in turn", rows[3]);
        Assert.Contains($"train on the **{triplets:N0}** (anchor, entailment, contradiction) triplets", report);
        foreach (var id in new[] { "from-scratch", "knows-words", "tutorial", "beyond" })
        {
            Assert.True(File.Exists(Path.Combine(run, id, "model", "model.safetensors")), id);
            Assert.True(File.Exists(Path.Combine(run, id, "loss_curve.svg")), id);
            Assert.Contains($"[png]({id}/loss_curve.png)", report);
        }
        // Fit logs the sum of a step's losses: C's curve is titled with both objectives, the others with MNR alone.
        string CurveTitle(string id) => string.Concat(XDocument.Parse(File.ReadAllText(Path.Combine(run, id, "loss_curve.svg"))).Descendants(_svg + "text").Select(t => t.Value + "\n"));
        Assert.Contains("Training loss (MNR + CosineSimilarityLoss): ", CurveTitle("beyond"));
        Assert.Contains("MNR training loss: ", CurveTitle("tutorial"));
        return 0;
    });

    [Fact]
    public void AnUnknownExperimentIsABadArgumentNamingTheKnownOnes()
    {
        using var temp = new TrainingTempFolder();

        var (exitCode, _, stderr) = Run("reproduce", "--output", temp.Combine("run"), "--experiments", "beyond-the-video", "--no-progress");

        Assert.Equal(CliApp.BadArguments, exitCode);
        Assert.Contains("--experiments: the default preset has no experiment 'beyond-the-video'; expected from-scratch, knows-words, tutorial, beyond.", stderr);
        Assert.False(Directory.Exists(temp.Combine("run")));
    }

    private static string Round(double spearman) => spearman.ToString("F2", CultureInfo.InvariantCulture);

    // The rows of the first per-epoch table: | epoch | mean training loss | STSb dev | STSb test | ...
    private static List<(string Epoch, string Dev, string Test)> EpochRows(string report) =>
        [.. Regex.Matches(report, @"^\| (before training|\d+) \| [^|]* \| (-?\d+\.\d\d) \| (-?\d+\.\d\d) \|", RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value))];

    private static double[,] HeatmapPanel(string svg, int panel)
    {
        var cells = XDocument.Parse(svg).Descendants(_svg + "rect")
            .Where(r => r.Attribute("data-value") is not null && (string?)r.Attribute("data-panel") == panel.ToString(CultureInfo.InvariantCulture))
            .ToList();
        var n = (int)Math.Round(Math.Sqrt(cells.Count));
        Assert.Equal(n * n, cells.Count);
        var values = new double[n, n];
        foreach (var cell in cells)
        {
            values[(int)cell.Attribute("data-row")!, (int)cell.Attribute("data-col")!] = double.Parse(cell.Attribute("data-value")!.Value, CultureInfo.InvariantCulture);
        }

        return values;
    }

    // Cosine similarities in float64 from the model's own embeddings, independent of Similarity.CosSim.
    private static double[,] CosineSimilarities(SentenceTransformer model, IReadOnlyList<string> sentences)
    {
        var embeddings = model.Encode(sentences);
        var n = embeddings.Length;
        var result = new double[n, n];
        double Norm(float[] v) => Math.Sqrt(v.Sum(x => (double)x * x));
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                result[i, j] = embeddings[i].Zip(embeddings[j], (a, b) => (double)a * b).Sum() / (Norm(embeddings[i]) * Norm(embeddings[j]));
            }
        }

        return result;
    }

    private static void AssertCells(double[,] expected, double[,] actual)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        for (var i = 0; i < expected.GetLength(0); i++)
        {
            for (var j = 0; j < expected.GetLength(1); j++)
            {
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) < 1e-4, $"cell ({i}, {j}): expected {expected[i, j]:F6}, the heatmap has {actual[i, j]:F6}");
            }
        }
    }
}
