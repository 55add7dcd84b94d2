namespace NotebookSupport.Evaluation;

/// <summary>
/// Result of <see cref="EmbeddingSimilarityEvaluator"/>: rank (Spearman) and linear (Pearson) correlation, times 100,
/// between the cosine similarity of the embeddings and the gold scores. Spearman is the number papers report, and the
/// primary metric (<c>spearman_cosine</c>).
/// </summary>
public sealed record SimilarityResult(string Name, int Pairs, double SpearmanCosine, double PearsonCosine) : EvaluationResult(Name)
{
    /// <inheritdoc />
    public override string PrimaryMetric => "spearman_cosine";

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Metrics => new Dictionary<string, double>
    {
        ["spearman_cosine"] = SpearmanCosine,
        ["pearson_cosine"] = PearsonCosine,
    };

    /// <inheritdoc />
    public override string ToString() =>
        $"{Prefix}Spearman {SpearmanCosine:F2}, Pearson {PearsonCosine:F2} (cosine, {Pairs} pairs)";
}
