using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace NotebookSupport.Cli.Reproduction;

/// <summary>What a <c>reproduce</c> run found, written as the run folder's <c>report.md</c>: one row per experiment.</summary>
internal sealed class ReproductionReport(ReproductionSettings settings)
{
    private static readonly CultureInfo _inv = CultureInfo.InvariantCulture;

    public List<(string Name, long Rows, string Labels, IReadOnlyDictionary<string, long> Skipped)> Sources { get; } = [];
    public long DroppedNoLabel { get; set; }
    public int Pairs { get; set; }

    /// <summary>(anchor, entailment, contradiction) triplets from the same rows, when a run trains on hard negatives; else 0.</summary>
    public int Triplets { get; set; }
    public IReadOnlyDictionary<string, long> PairDrops { get; set; } = new Dictionary<string, long>();
    public List<ExperimentOutcome> Experiments { get; } = [];

    /// <summary>Estimated training time of all experiments, printed before the first one started.</summary>
    public TimeSpan Estimate { get; set; }
    public OptimizerKind Optimizer { get; set; }
    public List<(string Phase, TimeSpan Elapsed)> Timings { get; } = [];

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine($"# MNR reproduction: {settings.Preset} preset").AppendLine();
        md.AppendLine(_inv, $"{DateTime.Now:yyyy-MM-dd HH:mm} on {CpuName()}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, " +
                           $"TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}; seed {settings.Seed}.").AppendLine();

        md.AppendLine("## Results").AppendLine();
        md.AppendLine("STS benchmark Spearman correlation of the cosine similarities (x100), before training -> after the last epoch.").AppendLine();
        md.AppendLine("| run | model | recipe | STSb dev | STSb test | time | loss curve |").AppendLine("|---|---|---|---|---|---|---|");
        foreach (var outcome in Experiments)
        {
            var e = outcome.Experiment;
            var (before, after) = (outcome.Scores.FirstOrDefault(), outcome.Scores.Count > 1 ? outcome.Scores[^1] : null);
            md.AppendLine(_inv, $"| {e.Title} | {e.Model} ({outcome.ModelDescription}) | {Recipe(e, outcome)} | {Change(before?.Dev.SpearmanCosine, after?.Dev.SpearmanCosine)} " +
                               $"| {Change(before?.Test.SpearmanCosine, after?.Test.SpearmanCosine)} | {outcome.Elapsed:m\\:ss} | [png]({e.Id}/loss_curve.png), [svg]({e.Id}/loss_curve.svg) |");
        }
        md.AppendLine().AppendLine(_inv, $"Training time estimated before the first run: {Estimate:hh\\:mm\\:ss}; the training itself took " +
                                        $"{TimeSpan.FromSeconds(Experiments.Sum(o => o.Training?.Elapsed.TotalSeconds ?? 0)):hh\\:mm\\:ss} " +
                                        $"(with the dev and test scoring after each epoch). \"time\" is each run's whole time: scoring before training, training, heatmap.").AppendLine();

        foreach (var outcome in Experiments)
        {
            AppendExperiment(md, outcome);
        }

        if (Experiments.FirstOrDefault(o => o.Heatmap is not null) is { Heatmap: { } heatmap } drawn)
        {
            AppendHeatmap(md, drawn, heatmap);
        }

        md.AppendLine("## Data").AppendLine();
        md.AppendLine("| source | rows | labels | skipped while reading |").AppendLine("|---|---|---|---|");
        foreach (var (name, rows, labels, skipped) in Sources)
        {
            md.AppendLine(_inv, $"| {name} | {rows:N0} | {labels} | {Describe(skipped)} |");
        }

        var trainedOn = Triplets > 0
            ? string.Create(_inv, $"Runs with hard negatives train on the **{Triplets:N0}** (anchor, entailment, contradiction) triplets of the same rows instead; the others on these pairs.")
            : "Every run trains on these pairs.";
        md.AppendLine().AppendLine(_inv, $"Rows without a gold label (-1) dropped: {DroppedNoLabel:N0}. " +
                                        $"(anchor, positive) pairs from entailment rows: **{Pairs:N0}**; other rows not used: {Describe(PairDrops)}. {trainedOn}").AppendLine();

        md.AppendLine("## Settings shared by the runs").AppendLine();
        md.AppendLine("| setting | value |").AppendLine("|---|---|");
        foreach (var (key, value) in new (string, string)[]
        {
            ("loss", "MultipleNegativesRankingLoss (cosine similarity x scale, in-batch negatives), mean pooling"),
            ("loader", $"NoDuplicatesDataLoader, seed {settings.Seed}"),
            ("batching", settings.GroupByLength
                ? "length-grouped (--group-by-length: similar token lengths per batch, batches shuffled)"
                : "random order (the tutorial's)"),
            ("precision", settings.Precision == Precision.BFloat16
                ? "bfloat16 mixed precision while training (--precision bfloat16); float32 master weights, evaluation and saved model"
                : "float32"),
            ("optimizer", $"AdamW ({Describe(Optimizer)}), linear warm-up then linear decay, weight decay 0.01 (not on biases and LayerNorm), gradient clipping 1.0"),
            ("evaluation", "STSb dev through Fit's evaluator after every epoch, STSb test at the same points; the saved model is the last epoch's"),
            ("device", settings.Device),
        })
        {
            md.AppendLine(_inv, $"| {key} | {value} |");
        }

        md.AppendLine();

        md.AppendLine("## Timings").AppendLine();
        md.AppendLine("| phase | time |").AppendLine("|---|---|");
        foreach (var (phase, elapsed) in Timings)
        {
            md.AppendLine(_inv, $"| {phase} | {elapsed:hh\\:mm\\:ss\\.f} |");
        }

        md.AppendLine(_inv, $"| total | {TimeSpan.FromTicks(Timings.Sum(t => t.Elapsed.Ticks)):hh\\:mm\\:ss\\.f} |").AppendLine();

        md.AppendLine("## Files").AppendLine();
        foreach (var outcome in Experiments)
        {
            var id = outcome.Experiment.Id;
            md.AppendLine($"- `{id}/model/`: the model trained by run {id}, in the sentence-transformers layout (loads in Python's sentence-transformers too); " +
                          $"`{id}/{Trainer.LogFileName}`: one JSON line per step (step, loss, lr, elapsed) and per evaluation; `{id}/{LossCurve.FileName}`, `{id}/loss_curve.svg`");
        }

        if (Experiments.Any(o => o.Heatmap is not null))
        {
            md.AppendLine("- `heatmap.png`, `heatmap.svg`: the heatmap before and after training (the SVG's cells carry their values)");
        }

        return md.ToString();
    }

    private static string Recipe(ReproductionExperiment e, ExperimentOutcome outcome) =>
        string.Create(_inv, $"{e.Epochs} epoch(s), {outcome.Steps:N0} steps ({outcome.WarmupSteps:N0} warm-up), batch {e.BatchSize}, lr {e.LearningRate:0.##e+0}, scale {e.Scale:G3}") +
        (e.HardNegatives ? "; MNR on triplets (hard negatives)" : "") +
        (outcome.StsTrainPairs > 0 ? string.Create(_inv, $"; plus CosineSimilarityLoss on {outcome.StsTrainPairs:N0} STSb train pairs, a step of each in turn") : "");

    private static void AppendExperiment(StringBuilder md, ExperimentOutcome outcome)
    {
        var e = outcome.Experiment;
        md.AppendLine($"## {e.Title}").AppendLine();
        var reference = e.ReferenceCurve.ToDictionary(r => r.Epoch, r => r.Spearman);
        var withReference = reference.Count > 0;
        md.AppendLine(withReference
            ? "| epoch | mean training loss | STSb dev | STSb test | STSb dev, reference |\n|---|---|---|---|---|"
            : "| epoch | mean training loss | STSb dev | STSb test |\n|---|---|---|---|");
        foreach (var s in outcome.Scores)
        {
            var row = string.Create(_inv, $"| {(s.Epoch == 0 ? "before training" : s.Epoch.ToString(_inv))} | {(s.MeanLoss is { } l ? l.ToString("F4", _inv) : "")} " +
                                         $"| {s.Dev.SpearmanCosine:F2} | {s.Test.SpearmanCosine:F2} |");
            md.AppendLine(withReference ? string.Create(_inv, $"{row} {(reference.TryGetValue(s.Epoch, out var r) ? r.ToString("F1", _inv) : "")} |") : row);
        }
        md.AppendLine();
        if (withReference)
        {
            md.AppendLine($"Reference: {e.ReferenceSource}, {string.Join(", ", e.ReferenceCurve.Select(r => string.Create(_inv, $"{(r.Epoch == 0 ? "before" : $"epoch {r.Epoch}")} {r.Spearman:F1}")))}.");
            md.AppendLine(CompareWithReference(outcome)).AppendLine();
        }
        if (outcome.Scores.Count > 1)
        {
            var (first, last) = (outcome.Scores[0], outcome.Scores[^1]);
            md.AppendLine(_inv, $"Change: STSb dev {last.Dev.SpearmanCosine - first.Dev.SpearmanCosine:+0.00;-0.00} points, " +
                               $"test {last.Test.SpearmanCosine - first.Test.SpearmanCosine:+0.00;-0.00} points " +
                               $"(dev {last.Dev.Pairs:N0} pairs, test {last.Test.Pairs:N0}). " +
                               $"Estimated {outcome.Estimate:hh\\:mm\\:ss}, trained in {outcome.Training?.Elapsed:hh\\:mm\\:ss}.").AppendLine();
        }
        md.AppendLine($"**Lesson.** {e.Lesson}").AppendLine();
        md.AppendLine($"![loss curve of {e.Id}]({e.Id}/loss_curve.png)").AppendLine();
    }

    // Our curve against the reference at the epochs both have; says plainly where we are behind.
    private static string CompareWithReference(ExperimentOutcome outcome)
    {
        var ours = outcome.Scores.ToDictionary(s => s.Epoch, s => s.Dev.SpearmanCosine);
        var shared = outcome.Experiment.ReferenceCurve.Where(r => r.Epoch > 0 && ours.ContainsKey(r.Epoch)).ToList();
        if (shared.Count == 0)
        {
            return "No epoch of this run matches one of the reference's.";
        }

        var parts = shared.Select(r => string.Create(_inv, $"epoch {r.Epoch}: {ours[r.Epoch]:F1} vs {r.Spearman:F1} ({ours[r.Epoch] - r.Spearman:+0.0;-0.0})"));
        var behind = shared.Where(r => ours[r.Epoch] < r.Spearman).ToList();
        if (behind.Count == 0)
        {
            return $"Against the reference, {string.Join("; ", parts)}: at or above it at every shared epoch.";
        }

        var lastLoss = outcome.Scores[^1].MeanLoss;
        return $"Against the reference, {string.Join("; ", parts)}: behind it at {string.Join(", ", behind.Select(r => $"epoch {r.Epoch}"))}. " +
               "Why not ahead everywhere: the two runs start from different random weights and see the pairs in a different order, " +
               "and with so few pairs the later epochs mostly repeat what the model has seen" +
               (lastLoss is { } l ? string.Create(_inv, $" (mean training loss {l:F2} in the last epoch: it is memorising the pairs)") : "") +
               string.Create(_inv, $", so each further epoch adds less (the reference: {outcome.Experiment.ReferenceCurve[^1].Spearman:F1} after {outcome.Experiment.ReferenceCurve[^1].Epoch} epochs).");
    }

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static void AppendHeatmap(StringBuilder md, ExperimentOutcome outcome, HeatmapOutcome heatmap)
    {
        md.AppendLine("## Heatmap").AppendLine();
        md.AppendLine($"Ten sentences with three paraphrase pairs that share no words (data/heatmap/sentences.txt), encoded by the model of " +
                      $"\"{outcome.Experiment.Title}\" before and after training, on one colour scale.").AppendLine();
        md.AppendLine("![heatmap before and after training](heatmap.png)").AppendLine();
        md.AppendLine("| paraphrase pair | cosine before | largest other cell of its rows, before | stands out before | cosine after | largest other cell of its rows, after | stands out after training |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var pair in HeatmapOutcome.ParaphrasePairs)
        {
            md.AppendLine(_inv, $"| {pair.A} \"{heatmap.Sentences[pair.A]}\" / {pair.B} \"{heatmap.Sentences[pair.B]}\" | {heatmap.Before[pair.A][pair.B]:F2} | {HeatmapOutcome.LargestOtherOfRows(heatmap.Before, pair):F2} " +
                               $"| {YesNo(HeatmapOutcome.StandsOut(heatmap.Before, pair))} | {heatmap.After[pair.A][pair.B]:F2} | {HeatmapOutcome.LargestOtherOfRows(heatmap.After, pair):F2} | {YesNo(HeatmapOutcome.StandsOut(heatmap.After, pair))} |");
        }
        var standing = HeatmapOutcome.ParaphrasePairs.Count(p => HeatmapOutcome.StandsOut(heatmap.After, p));
        var standingBefore = HeatmapOutcome.ParaphrasePairs.Count(p => HeatmapOutcome.StandsOut(heatmap.Before, p));
        static double Gap(float[][] m) => HeatmapOutcome.ParaphrasePairs.Average(p => m[p.A][p.B] - HeatmapOutcome.LargestOtherOfRows(m, p));
        md.AppendLine().AppendLine(_inv, $"\"Stands out\": in both of its rows the pair's cell is the largest one off the diagonal. " +
                                        $"Before training {standingBefore}, after training {standing} of {HeatmapOutcome.ParaphrasePairs.Length} pairs stand out; " +
                                        $"on average a pair's cosine is {Gap(heatmap.Before):+0.00;-0.00} above the largest other cell of its rows before training and {Gap(heatmap.After):+0.00;-0.00} after.");
        if (standing < HeatmapOutcome.ParaphrasePairs.Length && heatmap.WordCounts.Count > 0)
        {
            // A model trained from scratch knows a word only from the training pairs it occurs in.
            var rare = HeatmapOutcome.ParaphrasePairs.Where(p => !HeatmapOutcome.StandsOut(heatmap.After, p))
                .SelectMany(p => Words(heatmap.Sentences[p.A]).Concat(Words(heatmap.Sentences[p.B])))
                .Distinct().Select(w => (Word: w, Count: heatmap.WordCounts.GetValueOrDefault(w))).Where(w => w.Count <= 5).OrderBy(w => w.Count);
            md.AppendLine(_inv, $"Words of the pairs that do not stand out which occur in at most 5 training texts: " +
                               $"{string.Join(", ", rare.Select(w => $"{w.Word} {w.Count}"))}; a model that learns words only from these pairs has next to nothing to go on for them.");
        }
        md.AppendLine();
    }

    /// <summary>The lower-case words of a sentence, as the report counts them.</summary>
    public static IEnumerable<string> Words(string sentence) =>
        System.Text.RegularExpressions.Regex.Matches(sentence.ToLowerInvariant(), "[a-z]+").Select(m => m.Value);

    private static string Change(double? before, double? after) =>
        (before, after) switch
        {
            ({ } b, { } a) => string.Create(_inv, $"{b:F2} -> {a:F2} ({a - b:+0.00;-0.00})"),
            ({ } b, null) => string.Create(_inv, $"{b:F2}"),
            _ => "",
        };

    // The processor the figures were measured on (Linux); the core count alone says little about speed.
    private static string CpuName() => CpuFeatures.Model ?? RuntimeInformation.ProcessArchitecture.ToString();

    private static string Describe(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.FusedAdamW => "the library's FusedAdamW",
        OptimizerKind.TorchAdamW => "TorchSharp's optim.AdamW",
        _ => optimizer.ToString(),
    };

    private static string Describe(IReadOnlyDictionary<string, long> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.Select(kv => $"{kv.Key}: {kv.Value:N0}"));
}
