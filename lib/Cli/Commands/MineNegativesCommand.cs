namespace NotebookSupport.Cli.Commands;

/// <summary>
/// <c>mine-negatives</c>: sentence-transformers' <c>mine_hard_negatives</c> as a command (<see cref="HardNegativeMiner"/>).
/// Reads (anchor, positive) pairs, adds each anchor's hard negatives and writes a TSV that <c>train --data ...
/// --hard-negatives</c> reads: anchor, positive, negative_1 ... negative_n (or triplets with <c>--as-triplets</c>).
/// </summary>
internal static class MineNegativesCommand
{
    public static Command Create()
    {
        var model = CommandOptions.Model("Model whose cosine similarities choose the negatives (a folder, a hub id or bundled:all-MiniLM-L6-v2).");
        var data = CommandOptions.InputFile("--data",
            "Pairs to mine for: a prepare-nli TSV (header anchor<TAB>positive; further columns are ignored) or an NLI file (its entailment pairs).");
        var output = CommandOptions.Output("TSV to write: anchor, positive, negative_1 ... negative_n (or anchor, positive, negative).", "FILE");
        var numNegatives = CommandOptions.AtLeastOne("--num-negatives", "Negatives per pair.", 3);
        var rangeMin = CommandOptions.AtLeastZero("--range-min", "Skip this many of the best candidates left after the filters (the hardest, often false negatives).", 0);
        var rangeMax = CommandOptions.Optional<int>("--range-max",
            "Consider only each anchor's this many best candidates; default: --range-min + --num-negatives, or + 10 x --num-negatives with a margin or --max-score.",
            value => value >= 1, "at least 1");
        var maxScore = CommandOptions.Optional<double>("--max-score", "Drop candidates with a cosine similarity above this.", value => value is >= -1 and <= 1, "in [-1, 1]");
        var relativeMargin = CommandOptions.Optional<double>("--relative-margin",
            "Drop candidates scoring above positive score x (1 - margin), e.g. 0.05.", value => value is >= 0 and < 1, "in [0, 1)");
        var absoluteMargin = CommandOptions.Optional<double>("--absolute-margin",
            "Drop candidates scoring above positive score - margin, e.g. 0.1.", value => value is >= 0 and <= 2, "in [0, 2]");
        var sampling = CommandOptions.Choice("--sampling", "top (default: the best candidates left) or random (a seeded sample of them).",
            NegativeSampling.Top, ("top", NegativeSampling.Top), ("random", NegativeSampling.Random));
        var seed = CommandOptions.Seed();
        var asTriplets = new Option<bool>("--as-triplets") { Description = "One (anchor, positive, negative) line per negative found, instead of one line per pair with n negative columns." };
        var batchSize = CommandOptions.BatchSize(64);
        var maxSeqLength = CommandOptions.MaxSeqLength("the model's");
        var overwrite = CommandOptions.Overwrite("the --output file");
        var noProgress = CommandOptions.NoProgress();

        var command = new Command("mine-negatives", "Add hard negatives to (anchor, positive) pairs: the texts the model finds closest to each anchor that are not its positive.")
        {
            model, data, output, numNegatives, rangeMin, rangeMax, maxScore, relativeMargin, absoluteMargin, sampling, seed, asTriplets, batchSize,
            maxSeqLength, overwrite, noProgress,
        };
        command.SetAction(parseResult => CliApp.Guard(parseResult, () =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            // Checked here, not in a validator: a validator does not see the options' default values.
            var smallest = parseResult.GetValue(rangeMin) + parseResult.GetValue(numNegatives);
            if (parseResult.GetValue(rangeMax) is { } max && max < smallest)
            {
                throw new ArgumentException($"--range-max must be at least --range-min + --num-negatives ({smallest}), found {max}.");
            }
            var outputPath = parseResult.GetValue(output)!;
            if (File.Exists(outputPath) && !parseResult.GetValue(overwrite))
            {
                throw new IOException($"--output: '{Path.GetFullPath(outputPath)}' exists; add --overwrite to replace it.");
            }
            var file = CommandOptions.Existing(parseResult.GetValue(data)!, "--data");
            var pairs = ReadPairs(file.FullName, stdout);
            var options = new HardNegativeMiningOptions
            {
                NumNegatives = parseResult.GetValue(numNegatives),
                RangeMin = parseResult.GetValue(rangeMin),
                RangeMax = parseResult.GetValue(rangeMax),
                MaxScore = parseResult.GetValue(maxScore),
                RelativeMargin = parseResult.GetValue(relativeMargin),
                AbsoluteMargin = parseResult.GetValue(absoluteMargin),
                Sampling = parseResult.GetValue(sampling),
                Seed = parseResult.GetValue(seed),
                AsTriplets = parseResult.GetValue(asTriplets),
                BatchSize = parseResult.GetValue(batchSize),
            };
            using var sentenceTransformer = ModelSpec.Load(parseResult.GetValue(model)!, parseResult.GetValue(maxSeqLength), stderr);
            var mined = EncodeProgressBar.Run(!parseResult.GetValue(noProgress), "encoding anchors and corpus",
                progress => HardNegativeMiner.Mine(sentenceTransformer, pairs, options, progress));
            if (mined.Examples.Count == 0)
            {
                throw new InvalidDataException($"--data {file.FullName}: no pair found {options.NumNegatives} negatives ({mined}); relax the margins or --max-score, or raise --range-max.");
            }
            var replaced = InputExampleTsv.Write(outputPath, mined.Examples, options.AsTriplets ? 3 : 2 + options.NumNegatives);
            stdout.WriteLine(mined.ToString());
            stdout.WriteLine($"wrote {Path.GetFullPath(outputPath)}{(replaced > 0 ? $" ({replaced:N0} sentences with tabs or line breaks made single-line)" : "")}");
            return CliApp.Success;
        }));
        return command;
    }

    private static IReadOnlyList<InputExample> ReadPairs(string path, TextWriter stdout)
    {
        IReadOnlyList<InputExample> pairs = InputExampleTsv.IsFile(path) ? InputExampleTsv.Read(path) : NliLoader.Load(path).ToPairs().Examples;
        if (pairs.Count == 0)
        {
            throw new InvalidDataException($"--data {path}: no (anchor, positive) pairs.");
        }
        stdout.WriteLine($"{path}: {pairs.Count:N0} pairs");
        return pairs;
    }
}
