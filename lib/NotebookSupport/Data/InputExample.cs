namespace NotebookSupport.Data;

/// <summary>
/// One training example, as in sentence-transformers: the texts a loss compares and, for classification
/// losses such as <c>SoftmaxLoss</c>, an optional label.
/// </summary>
/// <remarks>
/// | loss | texts | label |
/// |---|---|---|
/// | MultipleNegativesRankingLoss | (anchor, positive) or (anchor, positive, negative_1, ..., negative_n) | none |
/// | SoftmaxLoss | (premise, hypothesis) | 0 entailment, 1 neutral, 2 contradiction |
/// </remarks>
/// <param name="Texts">The sentences of the example, in the order the loss expects them.</param>
/// <param name="Label">The class label, or <c>null</c> where the loss needs none.</param>
public sealed record InputExample(IReadOnlyList<string> Texts, int? Label = null)
{
    /// <summary>Creates an example from its texts, e.g. <c>new InputExample("anchor", "positive")</c>.</summary>
    public InputExample(params string[] texts) : this((IReadOnlyList<string>)texts) { }

    /// <inheritdoc />
    public override string ToString() =>
        $"InputExample(label: {(Label?.ToString() ?? "none")}, texts: {string.Join("; ", Texts)})";
}
