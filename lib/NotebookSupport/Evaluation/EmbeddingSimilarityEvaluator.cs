using MathNet.Numerics.Statistics;
using NotebookSupport.Models;
using NotebookSupport.Util;

namespace NotebookSupport.Evaluation;

/// <summary>
/// Scores a model on sentence pairs with gold similarity labels (sentence-transformers'
/// <c>EmbeddingSimilarityEvaluator</c>): embeds both sides, takes the cosine similarity of each pair
/// (<see cref="Similarity.PairwiseCosSim(IReadOnlyList{IReadOnlyList{float}}, IReadOnlyList{IReadOnlyList{float}})"/>,
/// in float64), and reports its
/// Spearman and Pearson correlation with the gold scores, times 100.
/// </summary>
/// <remarks>
/// Spearman uses average ranks for ties, as <c>scipy.stats.spearmanr</c>.
/// <code>
/// var evaluator = EmbeddingSimilarityEvaluator.FromStsFile("data/stsb/sts-test.csv");
/// Console.WriteLine(evaluator.Evaluate(model));   // sts-test: Spearman 82.03, ...
/// </code>
/// </remarks>
public sealed class EmbeddingSimilarityEvaluator : SentenceEvaluator
{
    private readonly IReadOnlyList<string> _sentences1;
    private readonly IReadOnlyList<string> _sentences2;
    private readonly double[] _scores;
    private readonly int _batchSize;

    /// <summary>Creates an evaluator for the pairs (<paramref name="sentences1"/>[i], <paramref name="sentences2"/>[i]) with gold <paramref name="scores"/>[i].</summary>
    /// <param name="sentences1">First sentence of each pair.</param>
    /// <param name="sentences2">Second sentence of each pair.</param>
    /// <param name="scores">Gold similarity of each pair, any scale (only ranks and linear correlation matter).</param>
    /// <param name="name">Name shown in the result, e.g. <c>sts-dev</c>.</param>
    /// <param name="batchSize">Batch size for encoding.</param>
    /// <param name="truncateDim">Evaluate the embeddings truncated to their first this many dimensions (see <c>MatryoshkaLoss</c>); <c>null</c> for all.</param>
    public EmbeddingSimilarityEvaluator(IReadOnlyList<string> sentences1, IReadOnlyList<string> sentences2,
        IReadOnlyList<double> scores, string name = "", int batchSize = 64, int? truncateDim = null)
        : base(truncateDim)
    {
        if (sentences1.Count != sentences2.Count || sentences1.Count != scores.Count)
        {
            throw new ArgumentException(
                $"sentences1 ({sentences1.Count}), sentences2 ({sentences2.Count}) and scores ({scores.Count}) must have the same length.");
        }

        if (sentences1.Count < 2)
        {
            throw new ArgumentException("At least two pairs are needed for a correlation.", nameof(sentences1));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        for (int i = 0; i < scores.Count; i++)
        {
            if (!double.IsFinite(scores[i]))
            {
                throw new ArgumentException($"scores[{i}] is {scores[i]}; gold scores must be finite numbers.", nameof(scores));
            }
        }

        this._sentences1 = sentences1;
        this._sentences2 = sentences2;
        this._scores = [.. scores];
        Name = name;
        this._batchSize = batchSize;
    }

    /// <summary>
    /// An evaluator over all pairs of an STS benchmark file, named after the file (<c>sts-dev</c>; <c>sts-dev@64</c>
    /// with <paramref name="truncateDim"/> 64).
    /// </summary>
    public static EmbeddingSimilarityEvaluator FromStsFile(string path, int batchSize = 64, int? truncateDim = null)
    {
        var pairs = StsBenchmark.Load(path);
        return new EmbeddingSimilarityEvaluator(
            [.. pairs.Select(p => p.Sentence1)], [.. pairs.Select(p => p.Sentence2)], [.. pairs.Select(p => p.Score)],
            NameAt(Path.GetFileNameWithoutExtension(path), truncateDim), batchSize, truncateDim);
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>
    /// Embeds the pairs with <paramref name="model"/> and correlates their cosine similarity with the gold scores.
    /// Each distinct sentence is encoded once (STSb test: 2,552 of 2,758).
    /// </summary>
    /// <returns>
    /// The correlations; both are <see cref="double.NaN"/> when they are undefined: all cosine similarities equal, or
    /// an embedding that is not finite (a diverged model). Callers that keep the best score must not compare a NaN,
    /// which is neither greater nor smaller than anything.
    /// </returns>
    /// <param name="model">The model to score.</param>
    /// <param name="progress">Receives the number of distinct sentences encoded so far.</param>
    public override SimilarityResult Evaluate(SentenceTransformer model, IProgress<EncodeProgress>? progress = null)
    {
        var distinct = _sentences1.Concat(_sentences2).Distinct().ToArray();
        var row = new Dictionary<string, int>(distinct.Length);
        for (int i = 0; i < distinct.Length; i++)
        {
            row[distinct[i]] = i;
        }

        var embeddings = model.Encode(distinct, _batchSize, progress: progress, truncateDim: TruncateDim);
        var cosine = Similarity.PairwiseCosSim(
            [.. _sentences1.Select(s => embeddings[row[s]])], [.. _sentences2.Select(s => embeddings[row[s]])]);
        // Ranking NaN values gives a finite but meaningless Spearman; say "undefined" instead.
        if (!cosine.All(double.IsFinite))
        {
            return new SimilarityResult(Name, _scores.Length, double.NaN, double.NaN);
        }

        return new SimilarityResult(Name, _scores.Length, 100 * Spearman(cosine, _scores), 100 * Pearson(cosine, _scores));
    }

    /// <summary>Spearman rank correlation (average ranks for ties), in [-1, 1].</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => Correlation.Spearman(x, y);

    /// <summary>Pearson correlation, in [-1, 1].</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y) => Correlation.Pearson(x, y);
}
