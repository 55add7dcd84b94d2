using System.CommandLine;
using NotebookSupport.Cli.Reproduction;

namespace NotebookSupport.Cli.Commands;

/// <summary>
/// <c>reproduce [--preset default|video]</c>: the whole tutorial in one command — prepare the NLI pairs, then for each
/// experiment of the preset score the model on STSb dev and test, train it with MNR loss (scored after each epoch),
/// and write one report with a row per experiment, the loss curves and the heatmap before and after training.
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset")
        {
            Description = "default: two runs on the bundled SNLI dev+test pairs, (A) a randomly initialised bert-tiny trained with the video's recipe "
                          + "and (B) the tutorial's recipe on the bundled all-MiniLM-L6-v2 (minutes on a laptop). "
                          + "video: the video's setup, bert-base-uncased on SNLI + MultiNLI train from the Hugging Face hub (hours on a CPU).",
            DefaultValueFactory = _ => "default",
        };
        preset.AcceptOnlyFromAmong("default", "video");
        var output = new Option<string?>("--output", "-o") { Description = "Run folder; default artifacts/<preset>-<time>.", HelpName = "DIR" };
        var experiments = new Option<string[]>("--experiments")
        {
            Description = "Run only these experiments of the preset (default: all): from-scratch, tutorial (default preset); video (video preset).",
            AllowMultipleArgumentsPerToken = true,
            HelpName = "ID",
        };
        var model = new Option<string?>("--model", "-m") { Description = "Override the model of every run (folder, hub id, bundled:all-MiniLM-L6-v2, random:bert-tiny).", HelpName = "MODEL" };
        var data = new Option<string[]>("--data")
        {
            Description = "Override the preset's NLI files (any format prepare-nli reads, or its pairs TSV).",
            AllowMultipleArgumentsPerToken = true,
            HelpName = "FILE",
        };
        var sts = new Option<string?>("--sts") { Description = "STSb-format test file, scored before training and after each epoch; default data/stsb/sts-test.csv.", HelpName = "FILE" };
        var stsDev = new Option<string?>("--sts-dev") { Description = "STSb-format dev file, scored before training and after each epoch by Fit's evaluator; default data/stsb/sts-dev.csv.", HelpName = "FILE" };
        var batchSize = CommandOptions.BatchSize(32);
        batchSize.Description = "Pairs per training batch of every run (the video's 32).";
        // Recipe options given on the command line apply to every run; without them each run keeps its own recipe.
        var epochs = new Option<int?>("--epochs") { Description = "Training epochs of every run (default: each run's own; from-scratch 4, tutorial 1).", HelpName = "N" };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate of AdamW for every run (default: each run's own; from-scratch 5e-4, tutorial 2e-5).", HelpName = "LR" };
        var warmup = new Option<double>("--warmup-ratio") { Description = "Fraction of steps for linear warm-up.", DefaultValueFactory = _ => 0.1 };
        var scale = new Option<double>("--scale") { Description = "MNR scale (1 / temperature) of the cosine similarities.", DefaultValueFactory = _ => 20.0 };
        var seed = new Option<int>("--seed") { Description = "Seed for the batch order and dropout.", DefaultValueFactory = _ => 42 };
        var maxSeqLength = new Option<int?>("--max-seq-length") { Description = "Truncate texts to this many tokens (default: the model's).", HelpName = "N" };
        var device = new Option<string>("--device")
        {
            Description = "cpu, or cuda where the application references a CUDA build of TorchSharp (see README).",
            DefaultValueFactory = _ => "cpu",
        };
        device.AcceptOnlyFromAmong("cpu", "cuda");
        var noProgress = new Option<bool>("--no-progress") { Description = "No progress bars (plain log lines only)." };
        var groupByLength = CommandOptions.GroupByLength();
        var precision = CommandOptions.TrainingPrecision();
        var overwrite = CommandOptions.Overwrite("an earlier run's artifacts in --output (report.md, heatmap.png, heatmap.svg, and each run's model/, training_log.jsonl, loss_curve.png, loss_curve.svg)");

        var command = new Command("reproduce", "Run the tutorial end to end for each experiment of the preset: data, STSb before, epochs of MNR training, STSb after each, heatmap before and after, one report.")
        {
            preset, experiments, output, model, data, sts, stsDev, batchSize, epochs, lr, warmup, scale, seed, maxSeqLength, device, groupByLength, precision, noProgress, overwrite,
        };
        command.SetAction(parseResult => CliApp.Guard(parseResult, () =>
        {
            var presetName = parseResult.GetValue(preset)!;
            var settings = ReproductionSettings.ForPreset(presetName) with
            {
                Output = parseResult.GetValue(output) ?? Path.Combine("artifacts", $"{presetName}-{DateTime.Now:yyyyMMdd-HHmmss}"),
                Seed = parseResult.GetValue(seed),
                Device = parseResult.GetValue(device)!,
                GroupByLength = parseResult.GetValue(groupByLength),
                Precision = parseResult.GetValue(precision),
                ShowProgress = !parseResult.GetValue(noProgress),
                Overwrite = parseResult.GetValue(overwrite),
            };
            if (parseResult.GetValue(experiments) is { Length: > 0 } selected) settings = settings.Select(selected);
            bool Given(Option option) => parseResult.GetResult(option) is { Implicit: false };
            var batch = parseResult.GetValue(batchSize);
            var epochCount = parseResult.GetValue(epochs) is { } n ? AtLeastOne(n, "--epochs") : (int?)null;
            var peak = parseResult.GetValue(lr) is { } rate ? Positive(rate, "--lr") : (double?)null;
            var warmupRatio = Fraction(parseResult.GetValue(warmup), "--warmup-ratio");
            var mnrScale = Positive(parseResult.GetValue(scale), "--scale");
            var maxLength = parseResult.GetValue(maxSeqLength) is { } m ? AtLeastOne(m, "--max-seq-length") : (int?)null;
            var modelOverride = parseResult.GetValue(model);
            settings = settings with
            {
                Experiments = [.. settings.Experiments.Select(e => e with
                {
                    Model = modelOverride ?? e.Model,
                    BatchSize = Given(batchSize) ? batch : e.BatchSize,
                    Epochs = epochCount ?? e.Epochs,
                    LearningRate = peak ?? e.LearningRate,
                    WarmupRatio = Given(warmup) ? warmupRatio : e.WarmupRatio,
                    Scale = Given(scale) ? mnrScale : e.Scale,
                    MaxSeqLength = maxLength ?? e.MaxSeqLength,
                })],
            };
            if (parseResult.GetValue(data) is { Length: > 0 } files) settings = settings with { DataFiles = files, HubData = false };
            if (parseResult.GetValue(sts) is { } stsFile) settings = settings with { StsFile = stsFile };
            if (parseResult.GetValue(stsDev) is { } stsDevFile) settings = settings with { StsDevFile = stsDevFile };
            var report = new Reproduction.Reproduction(settings, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error).Run();
            parseResult.InvocationConfiguration.Output.WriteLine($"report: {report}");
            return CliApp.Success;
        }));
        return command;
    }

    private static int AtLeastOne(int value, string option) =>
        value >= 1 ? value : throw new ArgumentException($"{option} must be at least 1; got {value}.");

    private static double Fraction(double value, string option) =>
        value is >= 0 and < 1 ? value : throw new ArgumentException($"{option} must be in [0, 1); got {value}.");

    private static double Positive(double value, string option) =>
        value > 0 ? value : throw new ArgumentException($"{option} must be positive; got {value}.");
}
