using System.CommandLine;
using NotebookSupport.Hub;

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
