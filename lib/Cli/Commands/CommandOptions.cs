using System.CommandLine;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Training;

namespace NotebookSupport.Cli.Commands;

/// <summary>Options shared by the commands that load a sentence transformer.</summary>
internal static class CommandOptions
{
    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Model: a folder (sentence-transformers or Hugging Face BERT), a hub id (bert-base-uncased, org/name) "
                      + "or bundled:all-MiniLM-L6-v2.",
        Required = true,
        HelpName = "MODEL",
    };

    /// <summary><c>--batch-size</c>: sentences per forward pass, at least 1.</summary>
    public static Option<int> BatchSize(int defaultValue)
    {
        var option = new Option<int>("--batch-size")
        {
            Description = "Sentences per forward pass.",
            DefaultValueFactory = _ => defaultValue,
            HelpName = "N",
        };
        option.Validators.Add(result =>
        {
            // A value that is not a number already has its own parse error.
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out var value) && value < 1)
            {
                result.AddError($"--batch-size must be at least 1, found {value}.");
            }
        });
        return option;
    }

    /// <summary><c>--precision float32|bfloat16</c>: the number format of the matrix products while training.</summary>
    public static Option<Precision> TrainingPrecision() => Choice("--precision",
        "float32 (default, the tutorial's numbers) or bfloat16: mixed precision while training, float32 master weights "
        + "and saved model: faster on CPUs with AVX512_BF16/AMX, same STSb score (speed: bench/RESULTS.md).",
        Precision.Float32, ("float32", Precision.Float32), ("bfloat16", Precision.BFloat16));

    /// <summary><c>--optimizer auto|fused|torch</c>: which AdamW implementation trains.</summary>
    public static Option<OptimizerKind> Optimizer() => Choice("--optimizer",
        "auto (default: the fused AdamW on float32 CPU parameters, torch's otherwise), fused or torch. Both compute "
        + "PyTorch's AdamW; a checkpoint resumes only with the kind that wrote it (checkpoints from before the fused "
        + "optimizer need torch).",
        OptimizerKind.Auto, ("auto", OptimizerKind.Auto), ("fused", OptimizerKind.FusedAdamW), ("torch", OptimizerKind.TorchAdamW));

    // An option that takes one of a few words (case-insensitive); anything else is a parse error naming the option.
    private static Option<T> Choice<T>(string name, string description, T defaultValue, params (string Word, T Value)[] choices) => new(name)
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

    /// <summary><c>--group-by-length</c>: length-grouped no-duplicates batches.</summary>
    public static Option<bool> GroupByLength() => new("--group-by-length")
    {
        Description = "Batch pairs of similar token length together (no-duplicates rule kept, batches shuffled): less padding, "
                      + "faster epochs (bench/RESULTS.md), about the same STSb score. Default: random order, as the tutorial.",
    };

    /// <summary><c>--overwrite</c>: let a command replace what an earlier run left in its output folders.</summary>
    /// <param name="what">The files the command would replace, for the help text.</param>
    public static Option<bool> Overwrite(string what) => new("--overwrite")
    {
        Description = $"Replace {what} when they exist (without it the command refuses and names them). Other files there are never touched.",
    };

    /// <summary>The precision's name as the command line spells it.</summary>
    public static string Name(Precision precision) => precision == Precision.BFloat16 ? "bfloat16" : "float32";

    /// <summary>The line <c>train</c> and <c>reproduce</c> print before training: batching, precision and optimizer in use.</summary>
    public static string SpeedOptionsLine(bool groupByLength, Precision precision, OptimizerKind optimizer) =>
        $"batching: {(groupByLength ? "length-grouped" : "random order")}, precision {Name(precision)}, optimizer {optimizer}";

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
