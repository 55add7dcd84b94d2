using System.CommandLine.Parsing;

namespace NotebookSupport.Cli.Commands;

/// <summary>
/// The options more than one command takes, defined once so that they read, default and fail alike everywhere; and
/// <see cref="Choice{T}"/>, the one way an option takes one of a few words.
/// </summary>
internal static class CommandOptions
{
    /// <summary><c>--model</c>/<c>-m</c>: the model a command loads (or trains).</summary>
    /// <param name="description">The help text, when the command accepts more (or less) than the default one says.</param>
    /// <param name="required">False where the command has a default model.</param>
    public static Option<string> Model(string? description = null, bool required = true) => new("--model", "-m")
    {
        Description = description ?? "Model: a folder (sentence-transformers or Hugging Face BERT), a hub id (bert-base-uncased, org/name) "
                      + "or bundled:all-MiniLM-L6-v2.",
        Required = required,
        HelpName = "MODEL",
    };

    /// <summary><c>--output</c>/<c>-o</c>: the file or folder a command writes.</summary>
    public static Option<string> Output(string description, string helpName, bool required = true) => new("--output", "-o")
    {
        Description = description,
        Required = required,
        HelpName = helpName,
    };

    /// <summary>An option naming one file to read; see <see cref="Existing"/> for the check that it is there.</summary>
    public static Option<FileInfo> InputFile(string name, string description, params string[] aliases) => new(name, aliases)
    {
        Description = description,
        Required = true,
        HelpName = "FILE",
    };

    /// <summary><c>--data</c>: the NLI files (any format <c>prepare-nli</c> reads) or pairs TSV to train on.</summary>
    public static Option<string[]> Data(string description, bool required) => new("--data")
    {
        Description = description,
        Required = required,
        AllowMultipleArgumentsPerToken = true,
        HelpName = "FILE",
    };

    /// <summary>
    /// <paramref name="file"/> if it exists; otherwise a <see cref="FileNotFoundException"/> naming
    /// <paramref name="option"/> and the full path (a runtime failure, as for every file that cannot be read).
    /// </summary>
    public static FileInfo Existing(FileInfo file, string option) => file.Exists
        ? file
        : throw new FileNotFoundException($"{option}: file '{file.FullName}' does not exist.", file.FullName);

    /// <summary><c>--batch-size</c>: sentences per forward pass (or examples per training batch), at least 1.</summary>
    public static Option<int> BatchSize(int defaultValue, string description = "Sentences per forward pass.") =>
        AtLeastOne("--batch-size", description, defaultValue);

    /// <summary><c>--epochs</c>: passes over the training data, at least 1.</summary>
    public static Option<int> Epochs() => AtLeastOne("--epochs", "Passes over the training data.", 1);

    /// <summary><c>--lr</c>: the peak learning rate, above 0.</summary>
    public static Option<double> LearningRate() => Checked("--lr", "Peak learning rate of AdamW.", 2e-5, value => value > 0, "positive");

    /// <summary><c>--warmup-ratio</c>: the fraction of all steps that warm the learning rate up, in [0, 1).</summary>
    public static Option<double> WarmupRatio() =>
        Checked("--warmup-ratio", "Fraction of all steps used for linear warm-up.", 0.1, value => value is >= 0 and < 1, "in [0, 1)");

    /// <summary><c>--scale</c>: the ranking losses' similarity scale (1 / temperature), above 0.</summary>
    public static Option<double> Scale() =>
        Checked("--scale", "Similarity scale (1 / temperature) of the MNR losses, gist, cosent and angle.", 20.0, value => value > 0, "positive");

    /// <summary><c>--seed</c>: the seed of the data order, dropout and random initialisation.</summary>
    public static Option<int> Seed() => new("--seed")
    {
        Description = "Random seed (data order, dropout, random init).",
        DefaultValueFactory = _ => 42,
    };

    /// <summary><c>--max-seq-length</c>: truncate texts to this many tokens (at least 1); absent = the model's own.</summary>
    /// <param name="defaultNote">What absent means, for the help text.</param>
    public static Option<int?> MaxSeqLength(string defaultNote)
    {
        var option = new Option<int?>("--max-seq-length")
        {
            Description = $"Truncate texts to this many tokens; default: {defaultNote}.",
            HelpName = "N",
        };
        option.Validators.Add(result => Check<int>(result, value => value >= 1, "at least 1"));
        return option;
    }

    /// <summary><c>--no-progress</c>: plain log lines instead of progress bars.</summary>
    public static Option<bool> NoProgress() => new("--no-progress")
    {
        Description = "No progress bars (plain log lines only, for logs and CI).",
    };

    /// <summary>The <c>notebooks</c> argument of <c>run-notebooks</c> and <c>notebook-twins</c>: <c>.ipynb</c> files.</summary>
    public static Argument<string[]> Notebooks(string description)
    {
        var argument = new Argument<string[]>("notebooks") { Description = description, Arity = ArgumentArity.ZeroOrMore };
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => !t.Value.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)))
            {
                result.AddError($"notebooks: '{token.Value}' is not a notebook; expected .ipynb files.");
            }
        });
        return argument;
    }

    /// <summary><c>--precision float32|bfloat16</c>: the number format of the matrix products while training.</summary>
    public static Option<Precision> TrainingPrecision() => Choice("--precision",
        "float32 (default, the tutorial's numbers) or bfloat16: mixed precision while training, float32 master weights "
        + "and saved model (speed and STSb score in bench/RESULTS.md).",
        Precision.Float32, ("float32", Precision.Float32), ("bfloat16", Precision.BFloat16));

    /// <summary><c>--optimizer auto|fused|torch</c>: which AdamW implementation trains.</summary>
    public static Option<OptimizerKind> Optimizer() => Choice("--optimizer",
        "auto (default: the fused AdamW on float32 CPU parameters, torch's otherwise), fused or torch. Both compute "
        + "PyTorch's AdamW; a checkpoint resumes only with the kind that wrote it (checkpoints from before the fused "
        + "optimizer need torch).",
        OptimizerKind.Auto, ("auto", OptimizerKind.Auto), ("fused", OptimizerKind.FusedAdamW), ("torch", OptimizerKind.TorchAdamW));

    /// <summary>
    /// An option that takes one of a few words (case-insensitive) and gives the value paired with it; anything else
    /// is a parse error naming the option and the words.
    /// </summary>
    public static Option<T> Choice<T>(string name, string description, T defaultValue, params (string Word, T Value)[] choices) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        HelpName = string.Join("|", choices.Select(c => c.Word)),
        CustomParser = result =>
        {
            var value = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            foreach (var (word, choice) in choices)
            {
                if (string.Equals(word, value, StringComparison.OrdinalIgnoreCase))
                {
                    return choice;
                }
            }
            var words = choices.Select(c => c.Word).ToArray();
            result.AddError($"{name}: expected {string.Join(", ", words[..^1])} or {words[^1]}, got '{value}'.");
            return defaultValue;
        },
    };

    /// <summary>A <see cref="Choice{T}"/> whose value is the word itself.</summary>
    public static Option<string> Choice(string name, string description, string defaultValue, params string[] words) =>
        Choice(name, description, defaultValue, [.. words.Select(word => (word, word))]);

    /// <summary><c>--group-by-length</c>: length-grouped no-duplicates batches.</summary>
    public static Option<bool> GroupByLength() => new("--group-by-length")
    {
        Description = "Batch pairs of similar token length together (no-duplicates rule kept, batches shuffled): less padding, "
                      + "faster epochs (speed and STSb score in bench/RESULTS.md). Default: random order, as the tutorial.",
    };

    /// <summary><c>--overwrite</c>: let a command replace what an earlier run left in its output folders.</summary>
    /// <param name="what">The files the command would replace, for the help text.</param>
    public static Option<bool> Overwrite(string what) => new("--overwrite")
    {
        Description = $"Replace {what} when they exist (without it the command refuses and names them). Other files there are never touched.",
    };

    /// <summary>An integer option of at least 1; a smaller value is a parse error naming the option.</summary>
    public static Option<int> AtLeastOne(string name, string description, int defaultValue)
    {
        var option = Checked(name, description, defaultValue, value => value >= 1, "at least 1");
        option.HelpName = "N";
        return option;
    }

    /// <summary>
    /// A numeric option that may be absent (null) and, when given, must pass <paramref name="isValid"/>; a value that
    /// fails is a parse error naming the option and <paramref name="expected"/>.
    /// </summary>
    public static Option<T?> Optional<T>(string name, string description, Func<T, bool> isValid, string expected) where T : struct, IParsable<T>
    {
        var option = new Option<T?>(name) { Description = description, HelpName = typeof(T) == typeof(int) ? "N" : "X" };
        option.Validators.Add(result => Check(result, isValid, expected));
        return option;
    }

    /// <summary>An integer option of at least 0; a negative value is a parse error naming the option.</summary>
    public static Option<int> AtLeastZero(string name, string description, int defaultValue)
    {
        var option = Checked(name, description, defaultValue, value => value >= 0, "at least 0");
        option.HelpName = "N";
        return option;
    }

    // A numeric option whose value must pass a check; a value that fails is a parse error naming the option.
    private static Option<T> Checked<T>(string name, string description, T defaultValue, Func<T, bool> isValid, string expected)
        where T : IParsable<T>
    {
        var option = new Option<T>(name)
        {
            Description = description,
            DefaultValueFactory = _ => defaultValue,
        };
        option.Validators.Add(result => Check(result, isValid, expected));
        return option;
    }

    private static void Check<T>(OptionResult result, Func<T, bool> isValid, string expected) where T : IParsable<T>
    {
        // A value that is not a number already has its own parse error.
        if (result.Tokens.Count == 1 && T.TryParse(result.Tokens[0].Value, null, out var value) && !isValid(value))
        {
            result.AddError($"{result.Option.Name} must be {expected}, found {result.Tokens[0].Value}.");
        }
    }

    /// <summary>The precision's name as the command line spells it.</summary>
    public static string Name(Precision precision) => precision == Precision.BFloat16 ? "bfloat16" : "float32";

    /// <summary>
    /// What <c>train</c> and <c>reproduce</c> print before training: the batching, precision and optimizer in use on
    /// <paramref name="output"/>, and <see cref="BFloat16Warning"/> for this CPU on <paramref name="error"/>.
    /// </summary>
    public static void WriteSpeedOptions(TextWriter output, TextWriter error, bool groupByLength, Precision precision, OptimizerKind optimizer)
    {
        output.WriteLine($"batching: {(groupByLength ? "length-grouped" : "random order")}, precision {Name(precision)}, optimizer {optimizer}");
        if (BFloat16Warning(precision, CpuFeatures.HasNativeBFloat16) is { } warning)
        {
            error.WriteLine(warning);
        }
    }

    /// <summary>The warning for <c>--precision bfloat16</c> on a CPU known to lack native bfloat16 (for the error writer); <c>null</c> otherwise.</summary>
    public static string? BFloat16Warning(Precision precision, bool? nativeBFloat16) =>
        precision == Precision.BFloat16 && nativeBFloat16 == false
            ? $"warning: this CPU has no {CpuFeatures.NativeBFloat16Instructions}: bfloat16 runs emulated, "
              + "several times slower than float32 here; drop --precision bfloat16"
            : null;

    /// <summary>Load options that report downloads and load notes on the error writer.</summary>
    public static ModelLoadOptions LoadOptions(TextWriter error) => new()
    {
        Log = error.WriteLine,
        DownloadProgress = new DownloadReporter(error),
    };

    /// <summary>One line per downloaded file, once it is complete.</summary>
    private sealed class DownloadReporter(TextWriter error) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value)
        {
            if (value.TotalBytes is { } total && value.BytesDownloaded == total)
            {
                error.WriteLine($"downloaded {value.RepoId}/{value.FileName} ({total:N0} bytes)");
            }
        }
    }
}
