using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Losses;
using NotebookSupport.Tests.Data;
using NotebookSupport.Tests.Training;
using NotebookSupport.Training;
using NotebookSupport.Util;

namespace NotebookSupport.Tests.Evaluation;

[Collection(RunsAlone.Name)]  // SingleThreaded sets torch's process-wide thread count
public sealed class InformationRetrievalEvaluatorTests
{
    // The worked example: two queries over a corpus of five documents d0..d4.
    //
    // Query 0 ranks d2, d0, d3, d1, d4 and its relevant documents are d0 and d1: relevant at ranks 2 and 4.
    //   Accuracy@1 0, @3 1, @5 1, @10 1.   Precision@1 0, @3 1/3, @5 2/5, @10 2/10.   Recall@1 0, @3 1/2, @5 1, @10 1.
    //   MRR@10 = 1/2 (first relevant at rank 2).
    //   DCG@10 = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161; ideal DCG (two relevant first) = 1 + 1/log2(3) = 1.63093;
    //   NDCG@10 = 1.06161 / 1.63093 = 0.65092.
    //   AP@100 = (1/2 + 2/4) / min(100, 2) = 0.5.
    // Query 1 ranks d4, d1, d0, d2, d3 and only d4 is relevant: rank 1.
    //   Accuracy@k 1 for every k.   Precision@1 1, @3 1/3, @5 1/5, @10 1/10.   Recall@k 1.   MRR 1, NDCG 1, AP 1.
    // Means over the two queries:
    //   Accuracy@1 0.5, @3 1, @5 1, @10 1;  Precision@1 0.5, @3 1/3, @5 0.3, @10 0.15;  Recall@1 0.5, @3 0.75, @5 1, @10 1;
    //   MRR@10 0.75;  NDCG@10 (0.65092 + 1) / 2 = 0.82546;  MAP@100 0.75.
    private static readonly IReadOnlyList<IReadOnlyList<int>> _rankings = [[2, 0, 3, 1, 4], [4, 1, 0, 2, 3]];
    private static readonly IReadOnlyList<IReadOnlySet<int>> _relevant = [new HashSet<int> { 0, 1 }, new HashSet<int> { 4 }];

    [Fact]
    public void MetricsOfTheWorkedExample()
    {
        var result = InformationRetrievalEvaluator.ComputeMetrics(_rankings, _relevant, corpusSize: 5, "worked");

        Assert.Equal(new Dictionary<int, double> { [1] = 0.5, [3] = 1, [5] = 1, [10] = 1 }, result.AccuracyAtK);
        Assert.Equal(0.5, result.PrecisionAtK[1], 12);
        Assert.Equal(1.0 / 3, result.PrecisionAtK[3], 12);
        Assert.Equal(0.3, result.PrecisionAtK[5], 12);
        Assert.Equal(0.15, result.PrecisionAtK[10], 12);
        Assert.Equal(0.5, result.RecallAtK[1], 12);
        Assert.Equal(0.75, result.RecallAtK[3], 12);
        Assert.Equal(1.0, result.RecallAtK[5], 12);
        Assert.Equal(1.0, result.RecallAtK[10], 12);
        Assert.Equal(0.75, result.Mrr10, 12);
        Assert.Equal(0.82546, result.Ndcg10, 5);
        Assert.Equal(((1 / Math.Log2(3) + 1 / Math.Log2(5)) / (1 + 1 / Math.Log2(3)) + 1) / 2, result.Ndcg10, 12);
        Assert.Equal(0.75, result.Map100, 12);
        Assert.Equal("cosine_ndcg@10", result.PrimaryMetric);
        Assert.Equal(result.Ndcg10, result.PrimaryScore);
        Assert.Equal(0.5, result.Metrics["cosine_recall@1"]);
        Assert.Equal(0.75, result.Metrics["cosine_map@100"]);
        Assert.StartsWith("worked: MRR@10 0.7500, NDCG@10 0.8255, MAP@100 0.7500, Recall@1 50.00%, Recall@10 100.00%", result.ToString());
    }

    [Fact]
    public void OnlyTheTopTenCountForMrrAndNdcgAndMapIsCutAtMinOfHundredAndRelevant()
    {
        // One query, 12 documents, the only relevant one ranked 11th: outside MRR@10 and NDCG@10, inside MAP@100 (1/11).
        var ranking = Enumerable.Range(0, 12).ToArray();
        var result = InformationRetrievalEvaluator.ComputeMetrics([ranking], [new HashSet<int> { 10 }], 12);

        Assert.Equal(0, result.Mrr10);
        Assert.Equal(0, result.Ndcg10);
        Assert.Equal(0, result.RecallAtK[10]);
        Assert.Equal(1.0 / 11, result.Map100, 12);
    }

    [Fact]
    public void SearchRanksByCosineWithTiesByCorpusIndex()
    {
        // The query (1, 0) against d0 (1, 1): cos 0.707; d1 (1, 0): 1; d2 (0, 1): 0; d3 (-1, 0): -1; d4 (2, 0): 1, tied with d1.
        float[][] corpus = [[1, 1], [1, 0], [0, 1], [-1, 0], [2, 0]];
        var hits = SemanticSearch.Search([[1f, 0f]], corpus, topK: 10);

        Assert.Equal([1, 4, 0, 2, 3], hits[0].Select(h => h.CorpusId));
        Assert.Equal(Math.Sqrt(0.5), hits[0][2].Score, 6);
        Assert.Equal([1, 4], SemanticSearch.Search([[1f, 0f]], corpus, topK: 2)[0].Select(h => h.CorpusId));
    }

    [Fact]
    public void RefusesQueriesWithoutRelevantDocumentsOrOutsideTheCorpus()
    {
        var none = Assert.Throws<ArgumentException>(() => new InformationRetrievalEvaluator(["q"], ["d"], [new HashSet<int>()]));
        Assert.Contains("Query 0 has no relevant document", none.Message);
        var outside = Assert.Throws<ArgumentException>(() => new InformationRetrievalEvaluator(["q"], ["d"], [new HashSet<int> { 3 }]));
        Assert.Contains("relevant document 3 is outside the corpus of 1", outside.Message);
    }

    [Fact]
    public void SnliTestTaskIsBuiltAsDocumentedAndEvaluateRanksTheModelsOwnEmbeddings() => SingleThreaded.Run(() =>
    {
        var path = RepoData.Path("snli", "snli_1.0_test.csv");
        var evaluator = InformationRetrievalEvaluator.FromNliFile(path);
        var rows = NotebookSupport.Data.Nli.NliLoader.Load(path).Rows.ToList();
        var withEntailment = rows.Where(r => r.Label == NotebookSupport.Data.Nli.NliLabel.Entailment).Select(r => r.Premise).Distinct().Count();
        Assert.Equal(withEntailment, evaluator.QueryCount);
        Assert.Equal(rows.Select(r => r.Hypothesis).Distinct().Count(), evaluator.CorpusSize);
        Assert.Equal(rows.Select(r => r.Premise).Distinct().Count() - withEntailment, evaluator.SkippedPremises);
        Assert.Equal("snli_1.0_test", evaluator.Name);

        // Evaluate is the metrics of SemanticSearch over the model's own embeddings (tiny task: 3 queries, 4 documents).
        using var model = TestModels.Tiny(seed: 2);
        string[] queries = ["A man plays a guitar.", "Two dogs run in the snow.", "A child eats an apple."];
        string[] corpus = ["Someone makes music.", "Animals are outside.", "A kid has a snack.", "A cat sleeps."];
        IReadOnlyList<IReadOnlySet<int>> relevant = [new HashSet<int> { 0 }, new HashSet<int> { 1, 3 }, new HashSet<int> { 2 }];
        var tiny = new InformationRetrievalEvaluator(queries, corpus, relevant, "tiny");
        var embeddings = model.Encode([.. queries, .. corpus]);
        var hits = SemanticSearch.Search(embeddings[..3], embeddings[3..], 100);
        var expected = InformationRetrievalEvaluator.ComputeMetrics([.. hits.Select(h => (IReadOnlyList<int>)[.. h.Select(x => x.CorpusId)])], relevant, 4, "tiny");
        var result = tiny.Evaluate(model);
        Assert.Equal(expected.Metrics, result.Metrics);
        return 0;
    });

    [Fact]
    public void FitKeepsTheBestNdcgAndLogsTheMetrics() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var pairs = SnliPairs.Get(32);
        var model = TestModels.Tiny(seed: 3, maxSeqLength: 24);
        var queries = pairs.Take(12).Select(p => p.Texts[0]).Distinct().ToList();
        var corpus = pairs.Select(p => p.Texts[1]).Distinct().ToList();
        var relevant = queries.Select(q => (IReadOnlySet<int>)pairs.Where(p => p.Texts[0] == q).Select(p => corpus.IndexOf(p.Texts[1])).ToHashSet()).ToList();
        var evaluator = new InformationRetrievalEvaluator(queries, corpus, relevant, "ir");

        var result = model.Fit([(new NoDuplicatesDataLoader(pairs, batchSize: 8, seed: 5), new MultipleNegativesRankingLoss(model))],
            FitTests.Options() with { OutputPath = temp.Combine("model"), Evaluator = evaluator });

        Assert.Equal(2, result.Evaluations.Count);
        Assert.All(result.Evaluations, e => Assert.IsType<InformationRetrievalResult>(e));
        var logged = TrainingLog.Read(Path.Combine(temp.Combine("model"), Trainer.LogFileName)).Where(e => e.EvalMetrics is not null).ToList();
        Assert.Equal(result.Evaluations.Select(e => e.PrimaryScore), logged.Select(e => e.EvalMetrics!["cosine_ndcg@10"]));
        Assert.All(logged, e => Assert.Null(e.EvalSpearman));
        return 0;
    });
}
