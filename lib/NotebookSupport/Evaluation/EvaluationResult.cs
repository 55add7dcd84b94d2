namespace NotebookSupport.Evaluation;

/// <summary>
/// What every evaluator returns: its name, the metrics under sentence-transformers' names (<c>spearman_cosine</c>,
/// <c>cosine_accuracy</c>, <c>cosine_ndcg@10</c>...) and the one of them <c>Fit</c> keeps the best model by
/// (<see cref="PrimaryMetric"/>, higher is better). <c>ToString</c> is the line the command line prints.
/// </summary>
/// <param name="Name">Name of the evaluated set, e.g. <c>sts-dev</c> or <c>snli-test</c>; may be empty.</param>
public abstract record EvaluationResult(string Name)
{
    /// <summary>Name of the metric <c>Fit</c> selects the best model by, one of the keys of <see cref="Metrics"/>.</summary>
    public abstract string PrimaryMetric { get; }

    /// <summary>Every metric by name; a metric that is undefined (a diverged model) is <see cref="double.NaN"/>.</summary>
    public abstract IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>The value of <see cref="PrimaryMetric"/>: higher is better; NaN when undefined.</summary>
    public double PrimaryScore => Metrics[PrimaryMetric];

    /// <summary>"name: " before a result's line, or nothing when it has no name.</summary>
    protected string Prefix => Name.Length > 0 ? Name + ": " : "";
}
