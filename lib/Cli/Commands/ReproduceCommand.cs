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
        var preset = CommandOptions.Choice("--preset",
            "default: four runs on the bundled SNLI dev+test pairs, the video's recipe on (A1) a randomly initialised bert-tiny "
            + "and (A2) minilm-2l (pretrained word vectors, new layers), (B) the tutorial's recipe on the bundled all-MiniLM-L6-v2, and (C) beyond the video: "
            + "the same model on contradiction triplets plus STSb train's scores (notebook 5's best; minutes on a laptop). "
            + "video: the video's setup, bert-base-uncased on SNLI + MultiNLI train from the Hugging Face hub (hours on a CPU).",
            "default", "default", "video");
        var experiments = new Option<string[]>("--experiments")
        {
            Description = "Run only these experiments of the preset (default: all): from-scratch, knows-words, tutorial, beyond (default preset); video (video preset).",
            AllowMultipleArgumentsPerToken = true,
            HelpName = "ID",
        };
        var output = CommandOptions.Output("Run folder; default artifacts/<preset>-<time>.", "DIR", required: false);
        var model = CommandOptions.Model("Override the model of every run (folder, hub id, bundled:all-MiniLM-L6-v2, random:bert-tiny, random:minilm-2l).", required: false);
        var data = CommandOptions.Data("Override the preset's NLI files (any format prepare-nli reads, or its pairs TSV).", required: false);
        var sts = new Option<string?>("--sts") { Description = "STSb-format test file, scored before training and after each epoch; default data/stsb/sts-test.csv.", HelpName = "FILE" };
        var stsDev = new Option<string?>("--sts-dev") { Description = "STSb-format dev file, scored before training and after each epoch by Fit's evaluator; default data/stsb/sts-dev.csv.", HelpName = "FILE" };
        // Recipe options given on the command line apply to every run; without them each run keeps its own recipe.
        var batchSize = PerRun(CommandOptions.BatchSize(32), "Pairs per training batch of every run (default: each run's own, the video's 32).");
        var epochs = PerRun(CommandOptions.Epochs(), "Training epochs of every run (default: each run's own; from-scratch 4, knows-words 1, tutorial 1).");
        var lr = PerRun(CommandOptions.LearningRate(), "Peak learning rate of AdamW for every run (default: each run's own; from-scratch 5e-4, knows-words 2e-4, tutorial 2e-5).");
        var warmup = PerRun(CommandOptions.WarmupRatio(), "Fraction of all steps used for linear warm-up, for every run (default: each run's own, 0.1).");
        var scale = PerRun(CommandOptions.Scale(), "Similarity scale of the MNR loss (1 / temperature) for every run (default: each run's own, 20).");
        var seed = CommandOptions.Seed();
        var maxSeqLength = CommandOptions.MaxSeqLength("the model's");
        var device = CommandOptions.Choice("--device", "cpu, or cuda where the application references a CUDA build of TorchSharp (see README).",
            "cpu", "cpu", "cuda");
        var noProgress = CommandOptions.NoProgress();
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
            if (parseResult.GetValue(experiments) is { Length: > 0 } selected)
            {
                settings = settings.Select(selected);
            }

            bool Given(Option option) => parseResult.GetResult(option) is { Implicit: false };
            var modelOverride = parseResult.GetValue(model);
            var maxLength = parseResult.GetValue(maxSeqLength);
            settings = settings with
            {
                Experiments = [.. settings.Experiments.Select(e => e with
                {
                    Model = modelOverride ?? e.Model,
                    BatchSize = Given(batchSize) ? parseResult.GetValue(batchSize) : e.BatchSize,
                    Epochs = Given(epochs) ? parseResult.GetValue(epochs) : e.Epochs,
                    LearningRate = Given(lr) ? parseResult.GetValue(lr) : e.LearningRate,
                    WarmupRatio = Given(warmup) ? parseResult.GetValue(warmup) : e.WarmupRatio,
                    Scale = Given(scale) ? parseResult.GetValue(scale) : e.Scale,
                    MaxSeqLength = maxLength ?? e.MaxSeqLength,
                })],
            };
            if (parseResult.GetValue(data) is { Length: > 0 } files)
            {
                settings = settings with { DataFiles = files, HubData = false };
            }

            if (parseResult.GetValue(sts) is { } stsFile)
            {
                settings = settings with { StsFile = stsFile };
            }

            if (parseResult.GetValue(stsDev) is { } stsDevFile)
            {
                settings = settings with { StsDevFile = stsDevFile };
            }

            var report = new Reproduction.Reproduction(settings, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error).Run();
            parseResult.InvocationConfiguration.Output.WriteLine($"report: {report}");
            return CliApp.Success;
        }));
        return command;
    }

    /// <summary>A recipe option whose absence means "each run's own value": its help names that instead of one default.</summary>
    private static Option<T> PerRun<T>(Option<T> option, string description)
    {
        option.Description = description;
        option.DefaultValueFactory = null;
        return option;
    }
}
