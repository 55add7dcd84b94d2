namespace NotebookSupport.Cli.Reproduction;

/// <summary>
/// Everything <c>reproduce</c> runs with: the data, STSb files and run-wide settings all runs share, and the list of
/// <see cref="Experiments"/>. <see cref="ForPreset"/> gives the two presets' defaults.
/// </summary>
internal sealed record ReproductionSettings
{
    public required string Preset { get; init; }

    /// <summary>The training runs, in order; each gets a row in the report.</summary>
    public required IReadOnlyList<ReproductionExperiment> Experiments { get; init; }

    /// <summary>NLI files to read; empty with <see cref="HubData"/> = download SNLI + MultiNLI train from the hub.</summary>
    public IReadOnlyList<string> DataFiles { get; init; } = [];

    /// <summary>Read SNLI and MultiNLI train from the Hugging Face hub (cache first, then download).</summary>
    public bool HubData { get; init; }

    /// <summary>STSb-format test file; <c>null</c> = data/stsb/sts-test.csv.</summary>
    public string? StsFile { get; init; }

    /// <summary>STSb-format dev file, scored before training and after every epoch; <c>null</c> = data/stsb/sts-dev.csv.</summary>
    public string? StsDevFile { get; init; }

    public string Output { get; init; } = "artifacts";
    public int Seed { get; init; } = 42;
    public string Device { get; init; } = "cpu";

    /// <summary>Length-grouped batches instead of the tutorial's random order.</summary>
    public bool GroupByLength { get; init; }

    /// <summary>The matrix products' number format while training (the saved model is float32 either way).</summary>
    public Precision Precision { get; init; } = Precision.Float32;
    public bool ShowProgress { get; init; } = true;

    /// <summary>Replace the artifacts of an earlier run in <see cref="Output"/> instead of refusing.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Keeps only the runs named in <paramref name="ids"/> (in the preset's order); an unknown id is an error naming the known ones.</summary>
    public ReproductionSettings Select(IReadOnlyCollection<string> ids)
    {
        var known = Experiments.Select(e => e.Id).ToList();
        if (ids.FirstOrDefault(id => !known.Contains(id)) is { } unknown)
        {
            throw new ArgumentException($"--experiments: the {Preset} preset has no experiment '{unknown}'; expected {string.Join(", ", known)}.");
        }
        return this with { Experiments = [.. Experiments.Where(e => ids.Contains(e.Id))] };
    }

    /// <summary>
    /// <c>default</c>: the bundled SNLI dev + test files (the repository's data/, test in GLUE's schema) and four runs:
    /// the video's recipe on two encoders that are not yet sentence encoders, (A1) a randomly initialised bert-tiny,
    /// which knows no words, and (A2) <c>minilm-2l</c>, pretrained word vectors under two new layers, which knows words
    /// as bert-base-uncased does; (B) the tutorial's exact recipe on the bundled all-MiniLM-L6-v2, which has little
    /// left to learn; and (C) notebook 5's best recipe on the same model, hard negatives plus STSb train's scores.
    /// <c>video</c>: bert-base-uncased with SNLI + MultiNLI train (943k rows), as in the video.
    /// </summary>
    /// <remarks>
    /// A preset is a list of experiments: each gets its row, loss curve and place in the time estimate. (C) is the best
    /// recipe of notebook 5 ("beyond the video").
    /// </remarks>
    public static ReproductionSettings ForPreset(string preset) => preset switch
    {
        "default" => new ReproductionSettings
        {
            Preset = preset,
            DataFiles = NliTrainingData.DefaultFiles(RepositoryData.Folder),
            Experiments = [FromScratch, KnowsWords, Tutorial, BeyondTheVideo],
        },
        "video" => new ReproductionSettings
        {
            Preset = preset,
            HubData = true,
            Experiments =
            [
                Tutorial with
                {
                    Id = "video",
                    Title = "The video: bert-base-uncased on SNLI + MultiNLI",
                    Model = "bert-base-uncased",
                    Lesson = "The video's full run: a BERT that was never trained on sentence similarity becomes a sentence encoder in one epoch of MNR loss.",
                    Heatmap = true,
                },
            ],
        },
        _ => throw new ArgumentException($"--preset: unknown preset '{preset}'; expected default or video."),
    };

    // (A1) The video's recipe (MNR, batch 32, mean pooling, 10% warm-up) on an encoder that is not yet a sentence encoder
    // and knows no words. lr 5e-4 as for a small BERT trained from scratch (2e-5 barely moves random weights).
    private static ReproductionExperiment FromScratch => new()
    {
        Id = "from-scratch",
        Title = "A1. The video's recipe on a randomly initialised BERT (bert-tiny)",
        Model = "random:bert-tiny",
        Epochs = 4,
        LearningRate = 5e-4,
        Lesson = "A BERT with random weights is no sentence encoder, and its STSb score is what shared words alone give. "
                 + "MNR loss on the 6.7k (anchor, positive) pairs teaches it which sentences mean the same; but it knows no words "
                 + "beyond those in the pairs, so it cannot link sentences whose words it has hardly seen (A2 can).",
        ReferenceCurve = [(0, 53.9), (1, 65.6), (4, 72.9), (30, 75.0)],
        ReferenceSource = "the same recipe in PyTorch/sentence-transformers (2 layers x 128, lr 5e-4, batch 32; 30 epochs: about 75)",
    };

    // (A2) The same recipe on an encoder that knows words but not sentences, as bert-base-uncased in the video: the
    // bundled model's pretrained embedding layer under two new layers. lr 2e-4 for the new layers.
    private static ReproductionExperiment KnowsWords => new()
    {
        Id = "knows-words",
        Title = "A2. The video's recipe on a BERT that knows words, not sentences (minilm-2l)",
        Model = $"random:{BertMiniatures.OnBundledEmbeddings}",
        Epochs = 1,
        LearningRate = 2e-4,
        Lesson = "Pretrained word vectors under new, random layers know which words are alike but were never trained to embed "
                 + "sentences, like the video's bert-base-uncased. Averaged, the word vectors already point each paraphrase to its "
                 + "partner, but every sentence looks much like every other; one epoch of MNR loss makes a sentence encoder of them: "
                 + "STSb rises about as much as for A1 in a quarter of the steps, and in the heatmap unrelated sentences fall apart while "
                 + "the paraphrases, which share no word, stay together.",
        Heatmap = true,
    };

    // (B) The tutorial's exact recipe on the bundled model: the faithful reproduction.
    private static ReproductionExperiment Tutorial => new()
    {
        Id = "tutorial",
        Title = "B. The tutorial's recipe on the bundled all-MiniLM-L6-v2",
        Model = "bundled:all-MiniLM-L6-v2",
        Lesson = "all-MiniLM-L6-v2 was itself trained with MNR loss on about a billion pairs, so one epoch on 6.7k pairs "
                 + "leaves its STSb score where it was: an already-trained sentence encoder has little left to learn from so few pairs.",
    };

    // (C) Beyond the video (notebook 5): the recipe that moved the bundled model most on STSb dev, where B cannot.
    // Contradictions as hard negatives for MNR, and STSb train's human scores through CosineSimilarityLoss, in turn.
    private static ReproductionExperiment BeyondTheVideo => Tutorial with
    {
        Id = "beyond",
        Title = "C. Beyond the video: hard negatives and STSb train scores, on the bundled all-MiniLM-L6-v2",
        HardNegatives = true,
        StsTrainObjective = true,
        Lesson = "Where more pairs teach an already-trained model nothing (B), better signal does: each premise's contradiction is a hard "
                 + "negative that shares its scene and words, and STSb train's human scores teach the graded similarity the STS benchmark "
                 + "measures. Chosen on STSb dev among the recipes that keep retrieval (notebook 5 compares them): STSb train alone "
                 + "(st train --loss cosine --data data/stsb/sts-train.csv) scores higher on STS but ranks SNLI retrieval worse, and an "
                 + "MNR workbook's recipe should not trade away what MNR is for. STSb test is reported once.",
    };
}
