namespace NotebookSupport.Data.Nli;

/// <summary>
/// Turns an <see cref="NliDataset"/> into <see cref="InputExample"/>s for the sentence-transformers losses:
/// (anchor, positive) pairs and (anchor, positive, hard negative) triplets for
/// <c>MultipleNegativesRankingLoss</c>, and labelled (premise, hypothesis) pairs for <c>SoftmaxLoss</c>.
/// </summary>
public static class NliExampleExtraction
{
    /// <summary>
    /// The tutorial's pairs: every entailment row (label 0) becomes (anchor = premise, positive = hypothesis).
    /// The other rows are reported in <see cref="NliExamples.Dropped"/> by label name.
    /// </summary>
    public static NliExamples ToPairs(this NliDataset dataset)
    {
        var examples = new List<InputExample>();
        var dropped = new Dictionary<string, long>();
        foreach (var row in dataset.Rows)
        {
            if (row.Label == NliLabel.Entailment)
            {
                examples.Add(new InputExample(row.Premise!, row.Hypothesis!));
            }
            else
            {
                Count(dropped, NliLabel.Name(row.Label));
            }
        }

        return new NliExamples(examples, dropped);
    }

    /// <summary>
    /// Triplets with hard negatives: for each entailment row whose premise also has contradiction rows,
    /// (anchor = premise, positive = entailed hypothesis, negative = a contradicting hypothesis of the same premise).
    /// A premise's contradictions are used in turn (the i-th entailment takes contradiction i mod count), so the
    /// result is deterministic and every contradiction serves when there are enough entailments.
    /// </summary>
    public static NliExamples ToTriplets(this NliDataset dataset)
    {
        var contradictions = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var entailed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in dataset.Rows)
        {
            if (row.Label == NliLabel.Entailment)
            {
                entailed.Add(row.Premise!);
            }
            else if (row.Label == NliLabel.Contradiction)
            {
                if (!contradictions.TryGetValue(row.Premise!, out var list))
                {
                    contradictions[row.Premise!] = list = [];
                }

                list.Add(row.Hypothesis!);
            }
        }

        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        var examples = new List<InputExample>();
        var dropped = new Dictionary<string, long>();
        foreach (var row in dataset.Rows)
        {
            switch (row.Label)
            {
                case NliLabel.Entailment when contradictions.TryGetValue(row.Premise!, out var negatives):
                    var turn = used.GetValueOrDefault(row.Premise!);
                    used[row.Premise!] = turn + 1;
                    examples.Add(new InputExample(row.Premise!, row.Hypothesis!, negatives[turn % negatives.Count]));
                    break;
                case NliLabel.Entailment:
                    Count(dropped, "entailment without a contradiction for its premise");
                    break;
                case NliLabel.Contradiction:
                    if (!entailed.Contains(row.Premise!))
                    {
                        Count(dropped, "contradiction without an entailment for its premise");
                    }

                    break;
                default:
                    Count(dropped, NliLabel.Name(row.Label));
                    break;
            }
        }

        foreach (var (premise, negatives) in contradictions)
        {
            var spare = negatives.Count - used.GetValueOrDefault(premise);
            if (used.ContainsKey(premise) && spare > 0)
            {
                dropped["contradiction left over (more contradictions than entailments for its premise)"] =
                    dropped.GetValueOrDefault("contradiction left over (more contradictions than entailments for its premise)") + spare;
            }
        }

        return new NliExamples(examples, dropped);
    }

    /// <summary>
    /// Every row with a gold label as (premise, hypothesis) with its label, for <c>SoftmaxLoss</c>; rows without
    /// gold label are reported as dropped ("none").
    /// </summary>
    public static NliExamples ToInputExamples(this NliDataset dataset)
    {
        var examples = new List<InputExample>();
        var dropped = new Dictionary<string, long>();
        foreach (var row in dataset.Rows)
        {
            if (row.Label == NliLabel.None)
            {
                Count(dropped, NliLabel.Name(row.Label));
            }
            else
            {
                examples.Add(new InputExample([row.Premise!, row.Hypothesis!], row.Label));
            }
        }

        return new NliExamples(examples, dropped);
    }

    private static void Count(Dictionary<string, long> counts, string reason) =>
        counts[reason] = counts.GetValueOrDefault(reason) + 1;
}

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
