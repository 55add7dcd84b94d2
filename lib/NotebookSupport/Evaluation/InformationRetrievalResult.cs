using System.Globalization;

namespace NotebookSupport.Evaluation;

/// <summary>
/// Result of <see cref="InformationRetrievalEvaluator"/>: the retrieval metrics, averaged over the queries, with
/// binary relevance, as sentence-transformers defines them. All are fractions in [0, 1]; NDCG@10
/// (<c>cosine_ndcg@10</c>) is the primary metric.
/// </summary>
/// <param name="Name">Name of the retrieval task.</param>
/// <param name="Queries">Number of queries.</param>
/// <param name="CorpusSize">Number of documents searched.</param>
/// <param name="AccuracyAtK">Fraction of queries with a relevant document in the top k, for k = 1, 3, 5, 10.</param>
/// <param name="PrecisionAtK">Relevant documents in the top k, divided by k, for k = 1, 3, 5, 10.</param>
/// <param name="RecallAtK">Relevant documents in the top k, divided by the query's relevant documents, for k = 1, 3, 5, 10.</param>
/// <param name="Mrr10">Mean reciprocal rank of the first relevant document in the top 10 (0 when none is).</param>
/// <param name="Ndcg10">Normalised discounted cumulative gain at 10: sum of 1 / log2(rank + 1) over relevant documents in the top 10, divided by its best possible value.</param>
/// <param name="Map100">Mean average precision at 100: the precision at each relevant document's rank in the top 100, summed and divided by min(100, relevant documents).</param>
public sealed record InformationRetrievalResult(
    string Name, int Queries, int CorpusSize,
    IReadOnlyDictionary<int, double> AccuracyAtK, IReadOnlyDictionary<int, double> PrecisionAtK, IReadOnlyDictionary<int, double> RecallAtK,
    double Mrr10, double Ndcg10, double Map100) : EvaluationResult(Name)
{
    /// <inheritdoc />
    public override string PrimaryMetric => "cosine_ndcg@10";

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, double> Metrics
    {
        get
        {
            var metrics = new Dictionary<string, double>();
            foreach (var (name, values) in new[] { ("accuracy", AccuracyAtK), ("precision", PrecisionAtK), ("recall", RecallAtK) })
            {
                foreach (var (k, value) in values)
                {
                    metrics[string.Create(CultureInfo.InvariantCulture, $"cosine_{name}@{k}")] = value;
                }
            }
            metrics["cosine_mrr@10"] = Mrr10;
            metrics["cosine_ndcg@10"] = Ndcg10;
            metrics["cosine_map@100"] = Map100;
            return metrics;
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Prefix}MRR@10 {Mrr10:F4}, NDCG@10 {Ndcg10:F4}, MAP@100 {Map100:F4}, Recall@1 {100 * RecallAtK[1]:F2}%, Recall@10 {100 * RecallAtK[10]:F2}%, " +
        $"Accuracy@1/3/5/10 {string.Join("/", AccuracyAtK.OrderBy(a => a.Key).Select(a => (100 * a.Value).ToString("F2", CultureInfo.InvariantCulture)))}% " +
        $"(cosine, {Queries} queries, {CorpusSize} documents)");
}
