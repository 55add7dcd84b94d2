namespace NotebookSupport.Cli.Reproduction;

/// <summary>
/// One training run of <c>reproduce</c>: a model, the MNR recipe it is trained with, and the lesson the report draws
/// from it. All runs of a preset share the data, the STSb dev and test sets and the seed; each gets a row in
/// <c>report.md</c>, a sub-folder named <see cref="Id"/> (model, training log, loss curve) and a line in the time estimate.
/// </summary>
internal sealed record ReproductionExperiment
{
    /// <summary>Sub-folder name and the value <c>--experiments</c> selects it by, e.g. <c>from-scratch</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The row's label in the report, e.g. <c>A1. The video's recipe on a randomly initialised BERT (bert-tiny)</c>.</summary>
    public required string Title { get; init; }

    /// <summary>
    /// A model <c>SentenceTransformer.Load</c> takes (folder, hub id, <c>bundled:all-MiniLM-L6-v2</c>) or
    /// <c>random:NAME</c> for a randomly initialised BERT miniature (<c>BertMiniatures</c>), seeded by the run's seed.
    /// </summary>
    public required string Model { get; init; }

    public int BatchSize { get; init; } = 32;
    public int Epochs { get; init; } = 1;
    public double LearningRate { get; init; } = 2e-5;
    public double WarmupRatio { get; init; } = 0.1;
    public double Scale { get; init; } = 20.0;
    public int? MaxSeqLength { get; init; }

    /// <summary>
    /// Train on (anchor, entailment, contradiction) triplets of the same NLI rows instead of (anchor, entailment)
    /// pairs: each contradiction is a hard negative for its own anchor and every other one in the batch.
    /// </summary>
    public bool HardNegatives { get; init; }

    /// <summary>
    /// A second objective next to MNR: <c>CosineSimilarityLoss</c> on STSb train's scored pairs
    /// (<c>data/stsb/sts-train.csv</c>, score / 5), one step of each in turn; an epoch is the shorter loader's batches.
    /// </summary>
    public bool StsTrainObjective { get; init; }

    /// <summary>What a learner should take from this run; the report prints it under the run's numbers.</summary>
    public required string Lesson { get; init; }

    /// <summary>Published or measured STSb dev Spearman of the same recipe elsewhere, by epoch (0 = before training), shown beside ours.</summary>
    public IReadOnlyList<(int Epoch, double Spearman)> ReferenceCurve { get; init; } = [];

    /// <summary>Where <see cref="ReferenceCurve"/> comes from.</summary>
    public string ReferenceSource { get; init; } = "";

    /// <summary>Draw the heatmap of this run's model before and after training (one run per preset does).</summary>
    public bool Heatmap { get; init; }
}
