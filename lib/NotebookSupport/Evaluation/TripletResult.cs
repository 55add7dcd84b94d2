namespace NotebookSupport.Evaluation;

/// <summary>
/// Result of <see cref="TripletEvaluator"/>: the fraction of (anchor, positive, negative) triplets whose anchor is
/// more similar to the positive than to the negative. The metric is named as in sentence-transformers,
/// <c>cosine_accuracy</c> (or <c>dot_accuracy</c>), and is the primary one.
/// </summary>
/// <param name="Name">Name of the triplet set.</param>
/// <param name="Triplets">Number of triplets scored.</param>
/// <param name="Accuracy">Fraction in [0, 1] ranked right; NaN when a similarity is not finite (a diverged model).</param>
/// <param name="Similarity">The similarity the triplets were ranked by: <c>cosine</c> or <c>dot</c>.</param>
public sealed record TripletResult(string Name, int Triplets, double Accuracy, string Similarity = "cosine") : EvaluationResult(Name)
{
    /// <inheritdoc />
    public override string PrimaryMetric => $"{Similarity}_accuracy";

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Metrics => new Dictionary<string, double> { [PrimaryMetric] = Accuracy };

    /// <inheritdoc />
    public override string ToString() => $"{Prefix}accuracy {100 * Accuracy:F2}% ({Similarity}, {Triplets} triplets)";
}
