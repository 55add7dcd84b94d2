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
        var preset = CommandOptions.Choice("--preset",
            "default: bundled all-MiniLM-L6-v2 on the bundled SNLI dev+test pairs (minutes on a laptop). "
            + "video: the video's setup, bert-base-uncased on SNLI + MultiNLI train from the Hugging Face hub (hours on a CPU).",
            "default", "default", "video");
        var output = CommandOptions.Output("Run folder; default artifacts/<preset>-<time>.", "DIR", required: false);
        var model = CommandOptions.Model("Override the preset's model (folder, hub id, bundled:all-MiniLM-L6-v2).", required: false);
        var data = CommandOptions.Data("Override the preset's NLI files (any format prepare-nli reads, or its pairs TSV).", required: false);
        var sts = new Option<string?>("--sts") { Description = "STSb-format file to evaluate on; default data/stsb/sts-test.csv.", HelpName = "FILE" };
        var batchSize = CommandOptions.BatchSize(32, "Pairs per training batch (the video's 32).");
        var epochs = CommandOptions.Epochs();
        var lr = CommandOptions.LearningRate();
        var warmup = CommandOptions.WarmupRatio();
        var scale = CommandOptions.Scale();
        var seed = CommandOptions.Seed();
        var maxSeqLength = CommandOptions.MaxSeqLength("the model's");
        var device = CommandOptions.Choice("--device", "cpu, or cuda where the application references a CUDA build of TorchSharp (see README).",
            "cpu", "cpu", "cuda");
        var noProgress = CommandOptions.NoProgress();
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
                Epochs = parseResult.GetValue(epochs),
                LearningRate = parseResult.GetValue(lr),
                WarmupRatio = parseResult.GetValue(warmup),
                Scale = parseResult.GetValue(scale),
                Seed = parseResult.GetValue(seed),
                MaxSeqLength = parseResult.GetValue(maxSeqLength),
                Device = parseResult.GetValue(device)!,
                GroupByLength = parseResult.GetValue(groupByLength),
                Precision = parseResult.GetValue(precision),
                ShowProgress = !parseResult.GetValue(noProgress),
                Overwrite = parseResult.GetValue(overwrite),
            };
            if (parseResult.GetValue(model) is { } modelOverride)
            {
                settings = settings with { Model = modelOverride };
            }

            if (parseResult.GetValue(data) is { Length: > 0 } files)
            {
                settings = settings with { DataFiles = files, HubData = false };
            }

            if (parseResult.GetValue(sts) is { } stsFile)
            {
                settings = settings with { StsFile = stsFile };
            }

            var report = new Reproduction.Reproduction(settings, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error).Run();
            parseResult.InvocationConfiguration.Output.WriteLine($"report: {report}");
            return CliApp.Success;
        }));
        return command;
    }
}
