using System.CommandLine;
using NotebookSupport.Cli.Reproduction;

namespace NotebookSupport.Cli.Commands;

/// <summary>
/// <c>reproduce [--preset default|video]</c>: the whole tutorial in one command — prepare the NLI pairs, score the
/// model on STSb, train one epoch with MNR loss, score it again, draw the heatmap, and write a report.
/// </summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset")
        {
            Description = "default: bundled all-MiniLM-L6-v2 on the bundled SNLI dev+test pairs (minutes on a laptop). "
                          + "video: the video's setup, bert-base-uncased on SNLI + MultiNLI train from the Hugging Face hub (hours on a CPU).",
            DefaultValueFactory = _ => "default",
        };
        preset.AcceptOnlyFromAmong("default", "video");
        var output = new Option<string?>("--output", "-o") { Description = "Run folder; default artifacts/<preset>-<time>.", HelpName = "DIR" };
        var model = new Option<string?>("--model", "-m") { Description = "Override the preset's model (folder, hub id, bundled:all-MiniLM-L6-v2).", HelpName = "MODEL" };
        var data = new Option<string[]>("--data")
        {
            Description = "Override the preset's NLI files (any format prepare-nli reads, or its pairs TSV).",
            AllowMultipleArgumentsPerToken = true,
            HelpName = "FILE",
        };
        var sts = new Option<string?>("--sts") { Description = "STSb-format file to evaluate on; default data/stsb/sts-test.csv.", HelpName = "FILE" };
        var batchSize = CommandOptions.BatchSize(32);
        batchSize.Description = "Pairs per training batch (the video's 32).";
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 1 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate of AdamW.", DefaultValueFactory = _ => 2e-5 };
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
        var overwrite = CommandOptions.Overwrite("an earlier run's artifacts in --output (model/, report.md, training_log.jsonl, loss_curve.png, heatmap.png, heatmap.svg)");

        var command = new Command("reproduce", "Run the tutorial end to end: data, STSb before, one epoch of MNR training, STSb after, heatmap, report.")
        {
            preset, output, model, data, sts, batchSize, epochs, lr, warmup, scale, seed, maxSeqLength, device, groupByLength, precision, noProgress, overwrite,
        };
        command.SetAction(parseResult => CliApp.Guard(parseResult, () =>
        {
            var presetName = parseResult.GetValue(preset)!;
            var settings = ReproductionSettings.ForPreset(presetName) with
            {
                Output = parseResult.GetValue(output) ?? Path.Combine("artifacts", $"{presetName}-{DateTime.Now:yyyyMMdd-HHmmss}"),
                BatchSize = parseResult.GetValue(batchSize),
                Epochs = AtLeastOne(parseResult.GetValue(epochs), "--epochs"),
                LearningRate = Positive(parseResult.GetValue(lr), "--lr"),
                WarmupRatio = Fraction(parseResult.GetValue(warmup), "--warmup-ratio"),
                Scale = Positive(parseResult.GetValue(scale), "--scale"),
                Seed = parseResult.GetValue(seed),
                MaxSeqLength = parseResult.GetValue(maxSeqLength) is { } m ? AtLeastOne(m, "--max-seq-length") : null,
                Device = parseResult.GetValue(device)!,
                GroupByLength = parseResult.GetValue(groupByLength),
                Precision = parseResult.GetValue(precision),
                ShowProgress = !parseResult.GetValue(noProgress),
                Overwrite = parseResult.GetValue(overwrite),
            };
            if (parseResult.GetValue(model) is { } modelOverride) settings = settings with { Model = modelOverride };
            if (parseResult.GetValue(data) is { Length: > 0 } files) settings = settings with { DataFiles = files, HubData = false };
            if (parseResult.GetValue(sts) is { } stsFile) settings = settings with { StsFile = stsFile };
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
