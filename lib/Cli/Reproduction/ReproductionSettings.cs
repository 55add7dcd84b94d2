namespace NotebookSupport.Cli.Reproduction;

/// <summary>Everything <c>reproduce</c> runs with; <see cref="ForPreset"/> gives the two presets' defaults.</summary>
internal sealed record ReproductionSettings
{
    public required string Preset { get; init; }
    public required string Model { get; init; }

    /// <summary>NLI files to read; empty with <see cref="HubData"/> = download SNLI + MultiNLI train from the hub.</summary>
    public IReadOnlyList<string> DataFiles { get; init; } = [];

    /// <summary>Read SNLI and MultiNLI train from the Hugging Face hub (cache first, then download).</summary>
    public bool HubData { get; init; }

    public string? StsFile { get; init; }
    public string Output { get; init; } = "artifacts";
    public int BatchSize { get; init; } = 32;
    public int Epochs { get; init; } = 1;
    public double LearningRate { get; init; } = 2e-5;
    public double WarmupRatio { get; init; } = 0.1;
    public double Scale { get; init; } = 20.0;
    public int Seed { get; init; } = 42;
    public int? MaxSeqLength { get; init; }
    public string Device { get; init; } = "cpu";

    /// <summary>Length-grouped batches instead of the tutorial's random order.</summary>
    public bool GroupByLength { get; init; }

    /// <summary>The matrix products' number format while training (the saved model is float32 either way).</summary>
    public Precision Precision { get; init; } = Precision.Float32;
    public bool ShowProgress { get; init; } = true;

    /// <summary>Replace the artifacts of an earlier run in <see cref="Output"/> instead of refusing.</summary>
    public bool Overwrite { get; init; }

    /// <summary>
    /// <c>default</c>: the bundled all-MiniLM-L6-v2 and the bundled SNLI dev + test files (the repository's data/, test in GLUE's schema).
    /// <c>video</c>: bert-base-uncased with SNLI + MultiNLI train (943k rows), as in the video.
    /// </summary>
    public static ReproductionSettings ForPreset(string preset) => preset switch
    {
        "default" => new ReproductionSettings
        {
            Preset = preset,
            Model = "bundled:all-MiniLM-L6-v2",
            DataFiles = NliTrainingData.DefaultFiles(RepositoryData.Folder),
        },
        "video" => new ReproductionSettings { Preset = preset, Model = "bert-base-uncased", HubData = true },
        _ => throw new ArgumentException($"--preset: unknown preset '{preset}'; expected default or video."),
    };
}
