using NotebookSupport.Data.Nli;
using NotebookSupport.Models;
using NotebookSupport.Util;

namespace NotebookSupport.Evaluation;

/// <summary>
/// Scores a model on (anchor, positive, negative) triplets (sentence-transformers' <c>TripletEvaluator</c>): a
/// triplet is right when <c>similarity(anchor, positive) &gt; similarity(anchor, negative)</c>, and the accuracy is
/// the fraction of right ones. Cosine similarity by default, computed in float64 as in
/// <see cref="EmbeddingSimilarityEvaluator"/>; a tie counts as wrong.
/// </summary>
/// <remarks>
/// This is what <c>MultipleNegativesRankingLoss</c> with a hard-negative column optimises, one triplet at a time, so
/// it shows whether training on triplets taught the model the contradictions.
/// <code>
/// var evaluator = TripletEvaluator.FromNliFile("data/snli/snli_1.0_test.csv");   // 3,368 SNLI test triplets
/// Console.WriteLine(evaluator.Evaluate(model));   // snli_1.0_test: accuracy 93.62% (cosine, ...)
/// model.Fit([(loader, loss)], new FitOptions { Evaluator = evaluator });
/// </code>
/// </remarks>
public sealed class TripletEvaluator : SentenceEvaluator
{
    private readonly IReadOnlyList<string> _anchors;
    private readonly IReadOnlyList<string> _positives;
    private readonly IReadOnlyList<string> _negatives;
    private readonly SimilarityFunction _similarity;
    private readonly int _batchSize;

    /// <summary>Creates an evaluator for the triplets (<paramref name="anchors"/>[i], <paramref name="positives"/>[i], <paramref name="negatives"/>[i]).</summary>
    /// <param name="anchors">Anchor of each triplet.</param>
    /// <param name="positives">Positive (similar) text of each triplet.</param>
    /// <param name="negatives">Negative (dissimilar) text of each triplet.</param>
    /// <param name="name">Name shown in the result, e.g. <c>snli-test</c>.</param>
    /// <param name="batchSize">Batch size for encoding.</param>
    /// <param name="similarity">Cosine (default) or dot product.</param>
    /// <param name="truncateDim">Score the embeddings truncated to their first this many dimensions (see <c>MatryoshkaLoss</c>); <c>null</c> for all.</param>
    public TripletEvaluator(IReadOnlyList<string> anchors, IReadOnlyList<string> positives, IReadOnlyList<string> negatives,
        string name = "", int batchSize = 64, SimilarityFunction similarity = SimilarityFunction.Cosine, int? truncateDim = null)
        : base(truncateDim)
    {
        if (anchors.Count != positives.Count || anchors.Count != negatives.Count)
        {
            throw new ArgumentException(
                $"anchors ({anchors.Count}), positives ({positives.Count}) and negatives ({negatives.Count}) must have the same length.");
        }
        if (anchors.Count == 0)
        {
            throw new ArgumentException("At least one triplet is needed.", nameof(anchors));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _anchors = anchors;
        _positives = positives;
        _negatives = negatives;
        _similarity = similarity;
        _batchSize = batchSize;
        Name = name;
    }

    /// <summary>
    /// An evaluator over examples of three texts each (anchor, positive, negative), e.g. a triplets TSV read by
    /// <c>InputExampleTsv.Read</c>; examples with more negative columns contribute one triplet per negative.
    /// </summary>
    public static TripletEvaluator FromExamples(IReadOnlyList<Data.InputExample> examples, string name = "", int batchSize = 64, int? truncateDim = null)
    {
        var triplets = examples.SelectMany((e, i) => e.Texts.Count >= 3
            ? e.Texts.Skip(2).Select(negative => (Anchor: e.Texts[0], Positive: e.Texts[1], Negative: negative))
            : throw new ArgumentException($"Example {i} has {e.Texts.Count} texts; a triplet needs anchor, positive and negative.", nameof(examples))).ToList();
        return new TripletEvaluator([.. triplets.Select(t => t.Anchor)], [.. triplets.Select(t => t.Positive)], [.. triplets.Select(t => t.Negative)],
            NameAt(name, truncateDim), batchSize, truncateDim: truncateDim);
    }

    /// <summary>
    /// The SNLI-style triplets of an NLI file (any format <c>NliLoader</c> reads; <c>data/snli/snli_1.0_test.csv</c> for
    /// the bundled SNLI test split), built by <see cref="NliExampleExtraction.ToTriplets"/>: each entailment row whose
    /// premise also has a contradiction row gives (premise, entailment, a contradiction of that premise). Named after
    /// the file (<c>snli_1.0_test@64</c> with <paramref name="truncateDim"/> 64). <see cref="SkippedPremises"/> counts
    /// the premises that give no triplet, <see cref="Dropped"/> the rows.
    /// </summary>
    public static TripletEvaluator FromNliFile(string path, int batchSize = 64, int? truncateDim = null)
    {
        var dataset = NliLoader.Load(path);
        var triplets = dataset.ToTriplets();
        var premises = dataset.Rows.Select(r => r.Premise!).ToHashSet(StringComparer.Ordinal);
        var used = triplets.Examples.Select(e => e.Texts[0]).ToHashSet(StringComparer.Ordinal);
        return new TripletEvaluator([.. triplets.Examples.Select(e => e.Texts[0])], [.. triplets.Examples.Select(e => e.Texts[1])],
            [.. triplets.Examples.Select(e => e.Texts[2])], NameAt(Path.GetFileNameWithoutExtension(path), truncateDim), batchSize, truncateDim: truncateDim)
        {
            SkippedPremises = premises.Count - used.Count,
            Dropped = triplets.Dropped,
        };
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>The number of triplets.</summary>
    public int Count => _anchors.Count;

    /// <summary>For <see cref="FromNliFile"/>: premises without both an entailment and a contradiction, which give no triplet.</summary>
    public int SkippedPremises { get; init; }

    /// <summary>For <see cref="FromNliFile"/>: the rows that did not become a triplet, by reason (empty otherwise).</summary>
    public IReadOnlyDictionary<string, long> Dropped { get; init; } = new Dictionary<string, long>();

    /// <summary>
    /// Embeds the triplets with <paramref name="model"/> (each distinct sentence once) and counts those ranked right.
    /// </summary>
    /// <returns>The accuracy; <see cref="double.NaN"/> when a similarity is not finite (a diverged model).</returns>
    /// <param name="model">The model to score.</param>
    /// <param name="progress">Receives the number of distinct sentences encoded so far.</param>
    public override TripletResult Evaluate(SentenceTransformer model, IProgress<EncodeProgress>? progress = null)
    {
        var distinct = _anchors.Concat(_positives).Concat(_negatives).Distinct().ToArray();
        var row = new Dictionary<string, int>(distinct.Length);
        for (var i = 0; i < distinct.Length; i++)
        {
            row[distinct[i]] = i;
        }

        var embeddings = model.Encode(distinct, _batchSize, progress: progress, truncateDim: TruncateDim);
        IReadOnlyList<float>[] Rows(IReadOnlyList<string> texts) => [.. texts.Select(t => embeddings[row[t]])];
        var anchors = Rows(_anchors);
        var positive = Pairwise(anchors, Rows(_positives));
        var negative = Pairwise(anchors, Rows(_negatives));
        return new TripletResult(Name, Count, Accuracy(positive, negative), _similarity == SimilarityFunction.Cosine ? "cosine" : "dot");
    }

    /// <summary>
    /// The fraction of triplets with <paramref name="positiveScores"/>[i] &gt; <paramref name="negativeScores"/>[i]
    /// (a tie is wrong); NaN when a score is not finite.
    /// </summary>
    public static double Accuracy(IReadOnlyList<double> positiveScores, IReadOnlyList<double> negativeScores)
    {
        if (positiveScores.Count != negativeScores.Count || positiveScores.Count == 0)
        {
            throw new ArgumentException($"Expected as many negative scores as positive ones ({positiveScores.Count}, at least 1); got {negativeScores.Count}.", nameof(negativeScores));
        }
        if (!positiveScores.Concat(negativeScores).All(double.IsFinite))
        {
            return double.NaN;
        }
        return (double)positiveScores.Zip(negativeScores).Count(s => s.First > s.Second) / positiveScores.Count;
    }

    private double[] Pairwise(IReadOnlyList<IReadOnlyList<float>> a, IReadOnlyList<IReadOnlyList<float>> b) => _similarity switch
    {
        SimilarityFunction.Cosine => Similarity.PairwiseCosSim(a, b),
        SimilarityFunction.DotProduct => [.. a.Zip(b).Select(p => p.First.Zip(p.Second).Sum(x => (double)x.First * x.Second))],
        _ => throw new InvalidOperationException($"Unknown similarity {_similarity}."),
    };
}
