namespace NotebookSupport.Evaluation;

/// <summary>
/// Result of <see cref="EmbeddingSimilarityEvaluator"/>: rank (Spearman) and linear (Pearson) correlation, times 100,
/// between the cosine similarity of the embeddings and the gold scores. Spearman is the number papers report.
/// </summary>
public sealed record SimilarityResult(string Name, int Pairs, double SpearmanCosine, double PearsonCosine)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{(Name.Length > 0 ? Name + ": " : "")}Spearman {SpearmanCosine:F2}, Pearson {PearsonCosine:F2} (cosine, {Pairs} pairs)";
}
