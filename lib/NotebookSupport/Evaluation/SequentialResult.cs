namespace NotebookSupport.Evaluation;

/// <summary>
/// Result of <see cref="SequentialEvaluator"/>: each evaluator's result, in order. <see cref="Metrics"/> holds every
/// metric as <c>{evaluator name}_{metric}</c>; the first result's primary metric is the primary one.
/// </summary>
/// <param name="Name">The evaluators' names joined by <c>+</c>.</param>
/// <param name="Results">Each evaluator's result, in the order they ran; at least one.</param>
public sealed record SequentialResult(string Name, IReadOnlyList<EvaluationResult> Results) : EvaluationResult(Name)
{
    /// <inheritdoc />
    public override string PrimaryMetric => Key(Results[0], Results[0].PrimaryMetric);

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Metrics =>
        Results.SelectMany(r => r.Metrics.Select(m => (Key: Key(r, m.Key), m.Value))).ToDictionary(m => m.Key, m => m.Value);

    /// <summary>The results' own lines, joined by <c>"; "</c>.</summary>
    public override string ToString() => string.Join("; ", Results);

    private static string Key(EvaluationResult result, string metric) => result.Name.Length > 0 ? $"{result.Name}_{metric}" : metric;
}
