using NotebookSupport.Data;

namespace NotebookSupport.Util;

/// <summary>What <see cref="HardNegativeMiner.Mine"/> produced, and what it had to leave out.</summary>
/// <param name="Examples">
/// The training examples: (anchor, positive, negative_1 ... negative_n), or (anchor, positive, negative) triplets
/// with <see cref="HardNegativeMiningOptions.AsTriplets"/>; write them with <c>InputExampleTsv.Write</c>.
/// </param>
/// <param name="Mined">Every input pair with its negatives and their scores, in input order.</param>
/// <param name="NumNegatives">Negatives asked for per pair.</param>
/// <param name="Anchors">Distinct anchors.</param>
/// <param name="CorpusSize">Distinct texts searched (positives and extra corpus).</param>
/// <param name="AnchorsWithTooFewNegatives">Anchors for which fewer than <paramref name="NumNegatives"/> candidates survived.</param>
/// <param name="PairsDropped">Input pairs without an example in <paramref name="Examples"/> (all of them lacking negatives).</param>
/// <param name="SkippedCandidates">Candidates passed over, by reason (positive, margin, max score, range min).</param>
public sealed record HardNegativeMiningResult(
    IReadOnlyList<InputExample> Examples, IReadOnlyList<MinedNegatives> Mined, int NumNegatives, int Anchors, int CorpusSize,
    int AnchorsWithTooFewNegatives, int PairsDropped, IReadOnlyDictionary<string, long> SkippedCandidates)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Examples.Count:N0} examples from {Mined.Count:N0} pairs ({Anchors:N0} anchors, corpus of {CorpusSize:N0}); " +
        $"{AnchorsWithTooFewNegatives:N0} anchors with fewer than {NumNegatives} negatives, {PairsDropped:N0} pairs dropped" +
        string.Concat(SkippedCandidates.Where(s => s.Value > 0).Select(s => $"; {s.Value:N0} candidates skipped: {s.Key}"));
}
