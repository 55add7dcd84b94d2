namespace NotebookSupport.Util;

/// <summary>
/// The settings of <see cref="HardNegativeMiner.Mine"/>, named as in sentence-transformers' <c>mine_hard_negatives</c>.
/// Scores are cosine similarities in [-1, 1].
/// </summary>
public sealed record HardNegativeMiningOptions
{
    /// <summary>Negatives per (anchor, positive) pair, at least 1.</summary>
    public int NumNegatives { get; init; } = 3;

    /// <summary>Skip this many of the best candidates that pass the filters (the hardest, often false negatives).</summary>
    public int RangeMin { get; init; }

    /// <summary>
    /// Consider only an anchor's this many best candidates (after its positives and itself are removed, before the
    /// filters). Default: <c>RangeMin + NumNegatives</c>, or <c>RangeMin + 10 x NumNegatives</c> with a margin or
    /// <see cref="MaxScore"/>, so that enough survive.
    /// </summary>
    public int? RangeMax { get; init; }

    /// <summary>Drop candidates scoring above this (likely paraphrases of the anchor).</summary>
    public double? MaxScore { get; init; }

    /// <summary>
    /// Drop candidates scoring above <c>positiveScore x (1 - RelativeMargin)</c>: with 0.05 a negative must score
    /// at most 95% of the positive. In [0, 1).
    /// </summary>
    public double? RelativeMargin { get; init; }

    /// <summary>Drop candidates scoring above <c>positiveScore - AbsoluteMargin</c>. At least 0.</summary>
    public double? AbsoluteMargin { get; init; }

    /// <summary>How the negatives are picked among the candidates left.</summary>
    public NegativeSampling Sampling { get; init; } = NegativeSampling.Top;

    /// <summary>Seed of <see cref="NegativeSampling.Random"/>: the same seed, data and model give the same negatives.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// One (anchor, positive, negative) triplet per negative found, instead of one (anchor, positive, negative_1 ...
    /// negative_n) example per pair (where pairs with fewer than <see cref="NumNegatives"/> negatives are dropped).
    /// </summary>
    public bool AsTriplets { get; init; }

    /// <summary>Texts searched besides the positives (e.g. other sentences of the domain); duplicates are removed.</summary>
    public IReadOnlyList<string> Corpus { get; init; } = [];

    /// <summary>Batch size for encoding.</summary>
    public int BatchSize { get; init; } = 32;
}
