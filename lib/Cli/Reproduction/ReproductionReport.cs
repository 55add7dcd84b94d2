using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace NotebookSupport.Cli.Reproduction;

/// <summary>What a <c>reproduce</c> run found, written as the run folder's <c>report.md</c>.</summary>
internal sealed class ReproductionReport(ReproductionSettings settings)
{
    public List<(string Name, long Rows, string Labels, IReadOnlyDictionary<string, long> Skipped)> Sources { get; } = [];
    public long DroppedNoLabel { get; set; }
    public int Pairs { get; set; }
    public IReadOnlyDictionary<string, long> PairDrops { get; set; } = new Dictionary<string, long>();
    public string ModelDescription { get; set; } = "";
    public SimilarityResult? Before { get; set; }
    public SimilarityResult? After { get; set; }
    public TimeSpan Estimate { get; set; }
    public int Steps { get; set; }
    public int WarmupSteps { get; set; }
    public OptimizerKind Optimizer { get; set; }
    public double? FirstLoss { get; set; }
    public double? LastLoss { get; set; }
    public TrainingResult? Training { get; set; }
    public List<(string Phase, TimeSpan Elapsed)> Timings { get; } = [];

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine($"# MNR reproduction: {settings.Preset} preset").AppendLine();
        md.AppendLine(inv, $"{DateTime.Now:yyyy-MM-dd HH:mm} on {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}.").AppendLine();

        md.AppendLine("## Data").AppendLine();
        md.AppendLine("| source | rows | labels | skipped while reading |").AppendLine("|---|---|---|---|");
        foreach (var (name, rows, labels, skipped) in Sources)
        {
            md.AppendLine(inv, $"| {name} | {rows:N0} | {labels} | {Describe(skipped)} |");
        }

        md.AppendLine().AppendLine(inv, $"Rows without a gold label (-1) dropped: {DroppedNoLabel:N0}. " +
                                        $"(anchor, positive) pairs from entailment rows: **{Pairs:N0}**; other rows not used: {Describe(PairDrops)}.").AppendLine();

        md.AppendLine("## Hyperparameters").AppendLine();
        md.AppendLine("| setting | value |").AppendLine("|---|---|");
        foreach (var (key, value) in new (string, string)[]
        {
            ("model", $"{settings.Model} ({ModelDescription})"), ("loss", $"MultipleNegativesRankingLoss, scale {settings.Scale.ToString(inv)}, cosine"),
            ("batch size", $"{settings.BatchSize} (NoDuplicatesDataLoader, seed {settings.Seed})"),
            ("batching", settings.GroupByLength
                ? "length-grouped (--group-by-length: similar token lengths per batch, batches shuffled)"
                : "random order (the tutorial's)"),
            ("precision", settings.Precision == Precision.BFloat16
                ? "bfloat16 mixed precision while training (--precision bfloat16); float32 master weights, evaluation and saved model"
                : "float32"),
            ("epochs", $"{settings.Epochs}"),
            ("steps", $"{Steps:N0}, of which {WarmupSteps:N0} linear warm-up ({settings.WarmupRatio.ToString(inv)})"),
            ("optimizer", $"AdamW ({Describe(Optimizer)}), lr {settings.LearningRate.ToString(inv)}, weight decay 0.01 (not on biases and LayerNorm), gradient clipping 1.0"),
            ("device", settings.Device),
        })
        {
            md.AppendLine(inv, $"| {key} | {value} |");
        }

        md.AppendLine().AppendLine("## STS benchmark (cosine similarity, x100)").AppendLine();
        md.AppendLine("| | Spearman | Pearson |").AppendLine("|---|---|---|");
        if (Before is { } b)
        {
            md.AppendLine(inv, $"| before training | {b.SpearmanCosine:F2} | {b.PearsonCosine:F2} |");
        }

        if (After is { } a)
        {
            md.AppendLine(inv, $"| after training | {a.SpearmanCosine:F2} | {a.PearsonCosine:F2} |");
        }

        if (Before is not null && After is not null)
        {
            md.AppendLine().AppendLine(inv, $"Change in Spearman: {After.SpearmanCosine - Before.SpearmanCosine:+0.00;-0.00} points on {After.Pairs:N0} pairs.");
        }

        md.AppendLine().AppendLine("## Training").AppendLine();
        if (FirstLoss is { } first && LastLoss is { } last)
        {
            md.AppendLine(inv, $"Mean loss over the first steps {first:F4}, over the last steps {last:F4}. ");
        }

        md.AppendLine(inv, $"Estimated before training: {Estimate:hh\\:mm\\:ss}; took {Training?.Elapsed:hh\\:mm\\:ss}.").AppendLine();
        md.AppendLine("![loss curve](loss_curve.png)").AppendLine();
        md.AppendLine("## Heatmap").AppendLine();
        md.AppendLine("Ten sentences with three paraphrase pairs that share no words (data/heatmap/sentences.txt), encoded by the trained model.").AppendLine();
        md.AppendLine("![heatmap](heatmap.png)").AppendLine();

        md.AppendLine("## Timings").AppendLine();
        md.AppendLine("| phase | time |").AppendLine("|---|---|");
        foreach (var (phase, elapsed) in Timings)
        {
            md.AppendLine(inv, $"| {phase} | {elapsed:hh\\:mm\\:ss\\.f} |");
        }

        md.AppendLine(inv, $"| total | {TimeSpan.FromTicks(Timings.Sum(t => t.Elapsed.Ticks)):hh\\:mm\\:ss\\.f} |").AppendLine();

        md.AppendLine("## Files").AppendLine();
        md.AppendLine("- `model/`: the trained model in the sentence-transformers layout (loads in Python's sentence-transformers too)");
        md.AppendLine($"- `{Trainer.LogFileName}`: one JSON line per step (step, loss, lr, elapsed)");
        md.AppendLine($"- `{LossCurve.FileName}`, `heatmap.png`, `heatmap.svg`");
        return md.ToString();
    }

    private static string Describe(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.FusedAdamW => "the library's FusedAdamW",
        OptimizerKind.TorchAdamW => "TorchSharp's optim.AdamW",
        _ => optimizer.ToString(),
    };

    private static string Describe(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(kv => $"{kv.Key}: {kv.Value:N0}"));
}
