using NotebookSupport.Data;
using NotebookSupport.Models;

namespace NotebookSupport.Util;

/// <summary>
/// Adds hard negatives to (anchor, positive) pairs (sentence-transformers' <c>util.mine_hard_negatives</c>): texts
/// the model already finds close to the anchor but that are not its positive. Trained on with
/// <c>MultipleNegativesRankingLoss</c>, they teach more than the random in-batch negatives.
/// </summary>
/// <remarks>
/// For each distinct anchor:
/// <list type="number">
/// <item>the corpus (every distinct positive, plus <see cref="HardNegativeMiningOptions.Corpus"/>) is ranked by
/// cosine similarity to it (<see cref="SemanticSearch"/>; anchors and corpus are encoded once, by
/// <c>Encode</c>'s batch workers);</item>
/// <item>its positives (by text; an anchor may have several) and the anchor itself are removed, and only the
/// <c>RangeMax</c> best candidates kept;</item>
/// <item>candidates above <c>MaxScore</c>, or too close to the positive score (the lowest of its positives), are
/// dropped as likely false negatives: <c>RelativeMargin</c> drops scores above <c>positive x (1 - margin)</c>,
/// <c>AbsoluteMargin</c> those above <c>positive - margin</c>;</item>
/// <item>the <c>RangeMin</c> best survivors are skipped, and <c>NumNegatives</c> are picked from the rest, the best
/// ones or a seeded random sample.</item>
/// </list>
/// Each input pair then gets its anchor's negatives, as extra columns or as triplets.
/// <code>
/// var mined = HardNegativeMiner.Mine(model, pairs, new HardNegativeMiningOptions { NumNegatives = 1, RelativeMargin = 0.05 });
/// Console.WriteLine(mined);   // 6,511 examples from 6,697 pairs ...
/// InputExampleTsv.Write("mined.tsv", mined.Examples, 3);
/// </code>
/// </remarks>
public static class HardNegativeMiner
{
    /// <summary>Mines negatives for <paramref name="pairs"/> (the first two texts of each example: anchor, positive).</summary>
    /// <param name="model">The model whose similarities decide.</param>
    /// <param name="pairs">(anchor, positive) examples; further texts are ignored.</param>
    /// <param name="options">The settings; null for the defaults (3 negatives, the best ones, no filter).</param>
    /// <param name="progress">Receives the number of anchors and corpus texts encoded so far.</param>
    /// <exception cref="ArgumentException">An example has fewer than two texts, or a setting is out of range (the message names it).</exception>
    public static HardNegativeMiningResult Mine(SentenceTransformer model, IReadOnlyList<InputExample> pairs,
        HardNegativeMiningOptions? options = null, IProgress<EncodeProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(pairs);
        options ??= new HardNegativeMiningOptions();
        Check(options);
        for (var i = 0; i < pairs.Count; i++)
        {
            if (pairs[i].Texts.Count < 2)
            {
                throw new ArgumentException($"Example {i} has {pairs[i].Texts.Count} text(s); expected (anchor, positive).", nameof(pairs));
            }
        }

        var positivesOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            if (!positivesOf.TryGetValue(pair.Texts[0], out var list))
            {
                positivesOf[pair.Texts[0]] = list = [];
            }
            if (!list.Contains(pair.Texts[1], StringComparer.Ordinal))
            {
                list.Add(pair.Texts[1]);
            }
        }
        var anchors = positivesOf.Keys.ToArray();
        string[] corpus = [.. pairs.Select(p => p.Texts[1]).Concat(options.Corpus).Distinct(StringComparer.Ordinal)];
        var corpusIndex = corpus.Select((text, i) => (text, i)).ToDictionary(c => c.text, c => c.i, StringComparer.Ordinal);
        var anchorIndex = anchors.Select((text, i) => (text, i)).ToDictionary(c => c.text, c => c.i, StringComparer.Ordinal);

        var embeddings = model.Encode([.. anchors, .. corpus], options.BatchSize, progress: progress);
        var anchorEmbeddings = embeddings[..anchors.Length];
        var corpusEmbeddings = embeddings[anchors.Length..];
        var maxPositives = positivesOf.Values.Max(p => p.Count);
        var filtered = options.MaxScore is not null || options.RelativeMargin is not null || options.AbsoluteMargin is not null;
        var rangeMax = options.RangeMax ?? options.RangeMin + options.NumNegatives * (filtered ? 10 : 1);
        // The pool: enough hits that rangeMax remain after the positives and the anchor itself are removed.
        var hits = SemanticSearch.Search(anchorEmbeddings, corpusEmbeddings, rangeMax + maxPositives + 1);

        var skipped = new Dictionary<string, long>
        {
            ["max score"] = 0,
            ["relative margin"] = 0,
            ["absolute margin"] = 0,
            ["range min"] = 0,
        };
        var random = new Random(options.Seed);
        var negativesOf = new (string Text, double Score)[anchors.Length][];
        var positiveScoreOf = new double[anchors.Length];
        for (var a = 0; a < anchors.Length; a++)
        {
            var positives = positivesOf[anchors[a]];
            var positiveScore = Similarity.PairwiseCosSim(
                [.. positives.Select(_ => anchorEmbeddings[a])], [.. positives.Select(p => corpusEmbeddings[corpusIndex[p]])]).Min();
            positiveScoreOf[a] = positiveScore;
            var survivors = new List<(string Text, double Score)>();
            foreach (var hit in hits[a].Where(h => corpus[h.CorpusId] != anchors[a] && !positives.Contains(corpus[h.CorpusId], StringComparer.Ordinal)).Take(rangeMax))
            {
                if (Reason(hit.Score, positiveScore, options) is { } reason)
                {
                    skipped[reason]++;
                }
                else
                {
                    survivors.Add((corpus[hit.CorpusId], hit.Score));
                }
            }
            var inRange = survivors.Skip(options.RangeMin).ToList();
            skipped["range min"] += survivors.Count - inRange.Count;
            negativesOf[a] = options.Sampling == NegativeSampling.Top || inRange.Count <= options.NumNegatives
                ? [.. inRange.Take(options.NumNegatives)]
                : [.. Sample(inRange.Count, options.NumNegatives, random).Order().Select(i => inRange[i])];
        }

        var mined = pairs.Select(p => anchorIndex[p.Texts[0]])
            .Select((a, i) => new MinedNegatives(anchors[a], pairs[i].Texts[1], positiveScoreOf[a], negativesOf[a])).ToList();
        List<InputExample> examples = options.AsTriplets
            ? [.. mined.SelectMany(m => m.Negatives.Select(n => new InputExample(m.Anchor, m.Positive, n.Text)))]
            : [.. mined.Where(m => m.Negatives.Count == options.NumNegatives).Select(m => new InputExample([m.Anchor, m.Positive, .. m.Negatives.Select(n => n.Text)]))];
        var dropped = mined.Count(m => options.AsTriplets ? m.Negatives.Count == 0 : m.Negatives.Count < options.NumNegatives);
        return new HardNegativeMiningResult(examples, mined, options.NumNegatives, anchors.Length, corpus.Length,
            negativesOf.Count(n => n.Length < options.NumNegatives), dropped, skipped);
    }

    // Why a candidate is too close to be a safe negative, or null when it is one.
    private static string? Reason(double score, double positiveScore, HardNegativeMiningOptions options) =>
        score > options.MaxScore ? "max score"
        : score > positiveScore * (1 - options.RelativeMargin) ? "relative margin"
        : score > positiveScore - options.AbsoluteMargin ? "absolute margin"
        : null;

    // count distinct indices in [0, n), drawn by a partial Fisher-Yates shuffle.
    private static IEnumerable<int> Sample(int n, int count, Random random)
    {
        var indices = Enumerable.Range(0, n).ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = random.Next(i, n);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
        return indices[..count];
    }

    private static void Check(HardNegativeMiningOptions options)
    {
        if (options.NumNegatives < 1)
        {
            throw new ArgumentException($"NumNegatives must be at least 1, found {options.NumNegatives}.", nameof(options));
        }
        if (options.RangeMin < 0)
        {
            throw new ArgumentException($"RangeMin must be at least 0, found {options.RangeMin}.", nameof(options));
        }
        if (options.RangeMax is { } max && max < options.RangeMin + options.NumNegatives)
        {
            throw new ArgumentException($"RangeMax must be at least RangeMin + NumNegatives ({options.RangeMin + options.NumNegatives}), found {max}.", nameof(options));
        }
        if (options.MaxScore is { } maxScore && !double.IsFinite(maxScore))
        {
            throw new ArgumentException($"MaxScore must be a finite number, found {maxScore}.", nameof(options));
        }
        if (options.RelativeMargin is { } relative && !(relative is >= 0 and < 1))
        {
            throw new ArgumentException($"RelativeMargin must be in [0, 1), found {relative}.", nameof(options));
        }
        if (options.AbsoluteMargin is { } absolute && !(absolute >= 0 && double.IsFinite(absolute)))
        {
            throw new ArgumentException($"AbsoluteMargin must be a finite number of at least 0, found {absolute}.", nameof(options));
        }
        if (options.BatchSize < 1)
        {
            throw new ArgumentException($"BatchSize must be at least 1, found {options.BatchSize}.", nameof(options));
        }
    }
}
