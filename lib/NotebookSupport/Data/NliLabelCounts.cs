namespace NotebookSupport.Data;

/// <summary>How many rows carry each NLI label; what <see cref="NliDataset.CountLabels"/> returns.</summary>
/// <param name="Entailment">Rows labelled 0.</param>
/// <param name="Neutral">Rows labelled 1.</param>
/// <param name="Contradiction">Rows labelled 2.</param>
/// <param name="None">Rows without gold label (-1).</param>
public sealed record NliLabelCounts(long Entailment, long Neutral, long Contradiction, long None)
{
    /// <summary>All rows.</summary>
    public long Total => Entailment + Neutral + Contradiction + None;

    /// <summary>The count for a label (-1, 0, 1 or 2).</summary>
    public long this[int label] => label switch
    {
        NliLabel.Entailment => Entailment,
        NliLabel.Neutral => Neutral,
        NliLabel.Contradiction => Contradiction,
        NliLabel.None => None,
        _ => throw new ArgumentOutOfRangeException(nameof(label), label, "An NLI label is -1, 0, 1 or 2."),
    };

    /// <inheritdoc />
    public override string ToString() =>
        $"entailment {Entailment:N0}, neutral {Neutral:N0}, contradiction {Contradiction:N0}, none {None:N0} (total {Total:N0})";
}
