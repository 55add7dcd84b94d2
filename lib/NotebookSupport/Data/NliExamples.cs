namespace NotebookSupport.Data;

/// <summary>Training examples taken from an <see cref="NliDataset"/>, and the rows that did not become one, by reason.</summary>
/// <param name="Examples">The examples, in row order.</param>
/// <param name="Dropped">Rows not used, by reason, e.g. "neutral" or "entailment without a contradiction for its premise".</param>
public sealed record NliExamples(IReadOnlyList<InputExample> Examples, IReadOnlyDictionary<string, long> Dropped)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Examples.Count:N0} examples; dropped: "
        + (Dropped.Count == 0 ? "none" : string.Join(", ", Dropped.Select(kv => $"{kv.Key} {kv.Value:N0}")));
}
