using NotebookSupport.Data.Nli;
using NotebookSupport.Models;
using NotebookSupport.Util;

namespace NotebookSupport.Evaluation;

/// <summary>
/// Scores a model as a search engine (sentence-transformers' <c>InformationRetrievalEvaluator</c>): encodes the
/// queries and the corpus once, ranks the corpus for each query by cosine similarity
/// (<see cref="SemanticSearch.Search"/>, top 100), and reports MRR@10, NDCG@10, MAP@100 and accuracy, precision and
/// recall at 1, 3, 5 and 10, with binary relevance (<see cref="ComputeMetrics"/>). This is what MNR-trained models are
/// used for: finding the texts that answer a query among many.
/// </summary>
/// <remarks>
/// <code>
/// var evaluator = InformationRetrievalEvaluator.FromNliFile("data/snli/snli_1.0_test.csv");
/// Console.WriteLine(evaluator.Evaluate(model));   // snli_1.0_test: MRR@10 0.7..., NDCG@10 ...
/// model.Fit([(loader, loss)], new FitOptions { Evaluator = evaluator });   // keeps the best NDCG@10
/// </code>
/// </remarks>
public sealed class InformationRetrievalEvaluator : SentenceEvaluator
{
    /// <summary>The cut-offs of accuracy, precision and recall.</summary>
    public static readonly IReadOnlyList<int> CutOffs = [1, 3, 5, 10];

    /// <summary>How many documents are retrieved per query: the largest cut-off, that of MAP@100.</summary>
    public const int RetrievedPerQuery = 100;

    private readonly IReadOnlyList<string> _queries;
    private readonly IReadOnlyList<string> _corpus;
    private readonly IReadOnlyList<IReadOnlySet<int>> _relevant;
    private readonly int _batchSize;

    /// <summary>Creates an evaluator for <paramref name="queries"/>[i], whose relevant documents are the <paramref name="corpus"/> entries at the indices <paramref name="relevant"/>[i].</summary>
    /// <param name="queries">The queries.</param>
    /// <param name="corpus">The documents searched.</param>
    /// <param name="relevant">For each query, the indices in <paramref name="corpus"/> of its relevant documents; at least one each.</param>
    /// <param name="name">Name shown in the result, e.g. <c>snli-test</c>.</param>
    /// <param name="batchSize">Batch size for encoding.</param>
    /// <param name="truncateDim">Search with the embeddings truncated to their first this many dimensions (see <c>MatryoshkaLoss</c>); <c>null</c> for all.</param>
    public InformationRetrievalEvaluator(IReadOnlyList<string> queries, IReadOnlyList<string> corpus, IReadOnlyList<IReadOnlySet<int>> relevant,
        string name = "", int batchSize = 64, int? truncateDim = null)
        : base(truncateDim)
    {
        if (queries.Count != relevant.Count)
        {
            throw new ArgumentException($"queries ({queries.Count}) and relevant ({relevant.Count}) must have the same length.", nameof(relevant));
        }
        if (queries.Count == 0 || corpus.Count == 0)
        {
            throw new ArgumentException($"At least one query and one document are needed; got {queries.Count} and {corpus.Count}.", nameof(queries));
        }
        CheckRelevant(relevant, corpus.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _queries = queries;
        _corpus = corpus;
        _relevant = relevant;
        _batchSize = batchSize;
        Name = name;
    }

    /// <summary>
    /// A retrieval task built from an NLI file (<c>data/snli/snli_1.0_test.csv</c> for the bundled SNLI test split),
    /// named after the file:
    /// <list type="bullet">
    /// <item>queries: the distinct premises that have at least one entailment hypothesis, in order of first appearance;</item>
    /// <item>corpus: every distinct hypothesis of the file, whatever its label (entailment, neutral, contradiction,
    /// none), in order of first appearance;</item>
    /// <item>relevant: a premise's entailment hypotheses. Its neutral and contradiction hypotheses, and those of other
    /// premises, count as irrelevant, although some of them are true of it too: the scores are a lower bound.</item>
    /// </list>
    /// <see cref="SkippedPremises"/> counts the premises without an entailment. With <paramref name="truncateDim"/> 64
    /// the name ends in <c>@64</c>.
    /// </summary>
    public static InformationRetrievalEvaluator FromNliFile(string path, int batchSize = 64, int? truncateDim = null)
    {
        var dataset = NliLoader.Load(path);
        var corpus = new List<string>();
        var corpusIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var relevant = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        var queries = new List<string>();
        var premises = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in dataset.Rows)
        {
            premises.Add(row.Premise!);
            if (!corpusIndex.TryGetValue(row.Hypothesis!, out var document))
            {
                corpusIndex[row.Hypothesis!] = document = corpus.Count;
                corpus.Add(row.Hypothesis!);
            }
            if (row.Label != NliLabel.Entailment)
            {
                continue;
            }
            if (!relevant.TryGetValue(row.Premise!, out var documents))
            {
                relevant[row.Premise!] = documents = [];
                queries.Add(row.Premise!);
            }
            documents.Add(document);
        }
        return new InformationRetrievalEvaluator(queries, corpus, [.. queries.Select(q => (IReadOnlySet<int>)relevant[q])],
            NameAt(Path.GetFileNameWithoutExtension(path), truncateDim), batchSize, truncateDim)
        {
            SkippedPremises = premises.Count - queries.Count,
        };
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>The number of queries.</summary>
    public int QueryCount => _queries.Count;

    /// <summary>The number of documents.</summary>
    public int CorpusSize => _corpus.Count;

    /// <summary>For <see cref="FromNliFile"/>: premises without an entailment hypothesis, which are not queries.</summary>
    public int SkippedPremises { get; init; }

    /// <summary>
    /// Encodes the queries and the corpus with <paramref name="model"/> (in one pass) and ranks the corpus for each query.
    /// </summary>
    /// <param name="model">The model to score.</param>
    /// <param name="progress">Receives the number of queries and documents encoded so far.</param>
    public override InformationRetrievalResult Evaluate(SentenceTransformer model, IProgress<EncodeProgress>? progress = null)
    {
        var embeddings = model.Encode([.. _queries, .. _corpus], _batchSize, progress: progress, truncateDim: TruncateDim);
        var hits = SemanticSearch.Search(embeddings[.._queries.Count], embeddings[_queries.Count..], RetrievedPerQuery);
        // A diverged model's NaN embeddings rank arbitrarily: its scores are undefined, not low.
        if (hits.Any(h => h.Any(hit => !float.IsFinite(hit.Score))))
        {
            var undefined = CutOffs.ToDictionary(k => k, _ => double.NaN);
            return new InformationRetrievalResult(Name, QueryCount, CorpusSize, undefined, undefined, undefined, double.NaN, double.NaN, double.NaN);
        }
        return ComputeMetrics([.. hits.Select(h => (IReadOnlyList<int>)[.. h.Select(hit => hit.CorpusId)])], _relevant, CorpusSize, Name);
    }

    /// <summary>
    /// The metrics of rankings, with binary relevance, exactly as sentence-transformers'
    /// <c>InformationRetrievalEvaluator.compute_metrics</c>; each is averaged over the queries:
    /// <list type="bullet">
    /// <item>Accuracy@k: 1 if a relevant document is in the top k.</item>
    /// <item>Precision@k: relevant documents in the top k / k. Recall@k: the same / the query's relevant documents.</item>
    /// <item>MRR@10: 1 / rank of the first relevant document in the top 10, or 0.</item>
    /// <item>NDCG@10: DCG = sum over the top 10 of rel(rank) / log2(rank + 1), divided by the DCG of a perfect ranking
    /// (min(10, relevant documents) relevant documents first).</item>
    /// <item>MAP@100: sum of the precision at the rank of each relevant document in the top 100, / min(100, relevant documents).</item>
    /// </list>
    /// </summary>
    /// <param name="rankings">For each query, corpus indices best first (at least the top 100, or the whole corpus).</param>
    /// <param name="relevant">For each query, the indices of its relevant documents; at least one each.</param>
    /// <param name="corpusSize">Documents in the corpus, for the result.</param>
    /// <param name="name">Name shown in the result.</param>
    public static InformationRetrievalResult ComputeMetrics(IReadOnlyList<IReadOnlyList<int>> rankings, IReadOnlyList<IReadOnlySet<int>> relevant,
        int corpusSize, string name = "")
    {
        if (rankings.Count != relevant.Count || rankings.Count == 0)
        {
            throw new ArgumentException($"Expected one ranking per query ({relevant.Count}, at least 1); got {rankings.Count}.", nameof(rankings));
        }
        CheckRelevant(relevant, corpusSize);
        var accuracy = CutOffs.ToDictionary(k => k, _ => 0.0);
        var precision = CutOffs.ToDictionary(k => k, _ => 0.0);
        var recall = CutOffs.ToDictionary(k => k, _ => 0.0);
        double mrr = 0, ndcg = 0, map = 0;
        for (var q = 0; q < rankings.Count; q++)
        {
            var isRelevant = rankings[q].Select(relevant[q].Contains).ToArray();
            foreach (var k in CutOffs)
            {
                var found = isRelevant.Take(k).Count(r => r);
                accuracy[k] += found > 0 ? 1 : 0;
                precision[k] += (double)found / k;
                recall[k] += (double)found / relevant[q].Count;
            }
            var first = Array.IndexOf(isRelevant[..Math.Min(10, isRelevant.Length)], true);
            mrr += first >= 0 ? 1.0 / (first + 1) : 0;
            ndcg += Dcg(isRelevant.Take(10)) / Dcg(Enumerable.Repeat(true, Math.Min(10, relevant[q].Count)));
            var (hits, sum) = (0, 0.0);
            for (var rank = 0; rank < Math.Min(RetrievedPerQuery, isRelevant.Length); rank++)
            {
                if (isRelevant[rank])
                {
                    hits++;
                    sum += (double)hits / (rank + 1);
                }
            }
            map += sum / Math.Min(RetrievedPerQuery, relevant[q].Count);
        }
        var n = rankings.Count;
        Dictionary<int, double> Mean(Dictionary<int, double> totals) => totals.ToDictionary(t => t.Key, t => t.Value / n);
        return new InformationRetrievalResult(name, n, corpusSize, Mean(accuracy), Mean(precision), Mean(recall), mrr / n, ndcg / n, map / n);
    }

    // Discounted cumulative gain of binary relevances, best rank first: rank r (from 1) counts 1 / log2(r + 1).
    private static double Dcg(IEnumerable<bool> relevances) => relevances.Select((r, i) => r ? 1 / Math.Log2(i + 2) : 0).Sum();

    private static void CheckRelevant(IReadOnlyList<IReadOnlySet<int>> relevant, int corpusSize)
    {
        for (var q = 0; q < relevant.Count; q++)
        {
            if (relevant[q] is not { Count: > 0 } documents)
            {
                throw new ArgumentException($"Query {q} has no relevant document; each query needs at least one.", nameof(relevant));
            }
            if (documents.Where(d => d < 0 || d >= corpusSize).Select(d => (int?)d).FirstOrDefault() is { } bad)
            {
                throw new ArgumentException($"Query {q}: relevant document {bad} is outside the corpus of {corpusSize}.", nameof(relevant));
            }
        }
    }
}
