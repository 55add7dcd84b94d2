namespace NotebookSupport.Util;

/// <summary>How <see cref="HardNegativeMiner"/> picks the negatives among the candidates left after filtering.</summary>
public enum NegativeSampling
{
    /// <summary>The highest-scoring candidates: the hardest negatives.</summary>
    Top,

    /// <summary>A seeded random sample of the candidates: less hard, more varied.</summary>
    Random,
}
