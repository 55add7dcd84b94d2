namespace NotebookSupport.Util;

/// <summary>
/// The negatives <see cref="HardNegativeMiner"/> found for one (anchor, positive) pair, best-scoring first, with the
/// cosine similarities that decided: every negative's <c>Score</c> passed the filters against <see cref="PositiveScore"/>.
/// </summary>
/// <param name="Anchor">The anchor.</param>
/// <param name="Positive">The positive.</param>
/// <param name="PositiveScore">The lowest cosine similarity of the anchor to any of its positives (the margins' reference).</param>
/// <param name="Negatives">The chosen negatives and their cosine similarity to the anchor; may be fewer than asked.</param>
public sealed record MinedNegatives(string Anchor, string Positive, double PositiveScore, IReadOnlyList<(string Text, double Score)> Negatives);
