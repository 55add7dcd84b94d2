using System.Globalization;

namespace NotebookSupport.Data;

/// <summary>
/// One training example, as in sentence-transformers: the texts a loss compares and an optional label, a class for
/// <c>SoftmaxLoss</c> or a similarity score for <c>CoSENTLoss</c>, <c>AnglELoss</c> and <c>CosineSimilarityLoss</c>.
/// </summary>
/// <remarks>
/// | loss | texts | label |
/// |---|---|---|
/// | MultipleNegativesRankingLoss | (anchor, positive) or (anchor, positive, negative_1, ..., negative_n) | none |
/// | SoftmaxLoss | (premise, hypothesis) | 0 entailment, 1 neutral, 2 contradiction |
/// | CoSENTLoss, AnglELoss, CosineSimilarityLoss | (sentence1, sentence2) | similarity score, e.g. STSb score / 5 |
/// | GISTEmbedLoss | (anchor, positive) or (anchor, positive, negative_1, ..., negative_n) | none |
/// </remarks>
/// <param name="Texts">The sentences of the example, in the order the loss expects them.</param>
/// <param name="Label">The class (a whole number) or similarity score, or <c>null</c> where the loss needs none.</param>
public sealed record InputExample(IReadOnlyList<string> Texts, double? Label = null)
{
    /// <summary>Creates an example from its texts, e.g. <c>new InputExample("anchor", "positive")</c>.</summary>
    public InputExample(params string[] texts) : this((IReadOnlyList<string>)texts) { }

    /// <inheritdoc />
    public override string ToString() =>
        $"InputExample(label: {(Label?.ToString(CultureInfo.InvariantCulture) ?? "none")}, texts: {string.Join("; ", Texts)})";
}
