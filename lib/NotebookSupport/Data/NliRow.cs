namespace NotebookSupport.Data;

/// <summary>One premise/hypothesis pair of an <see cref="NliDataset"/>, as the predicate of <see cref="NliDataset.Filter"/> sees it.</summary>
/// <param name="Premise">The premise (sentence1), or <c>null</c> if the column holds a null.</param>
/// <param name="Hypothesis">The hypothesis (sentence2), or <c>null</c> if the column holds a null.</param>
/// <param name="Label">0 entailment, 1 neutral, 2 contradiction, -1 no gold label (also for a null label).</param>
public readonly record struct NliRow(string? Premise, string? Hypothesis, int Label);
