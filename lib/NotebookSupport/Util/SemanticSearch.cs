using static TorchSharp.torch;

namespace NotebookSupport.Util;

/// <summary>
/// Each query's best-scoring corpus entries by cosine similarity (sentence-transformers' <c>util.semantic_search</c>):
/// the retrieval behind <c>InformationRetrievalEvaluator</c> and <c>HardNegativeMiner</c>.
/// </summary>
/// <remarks>
/// Queries are scored against the whole corpus a chunk of queries at a time, so memory stays at
/// <c>chunk x corpus</c> scores. Hits are sorted by score, best first; equal scores by corpus index, so the result
/// does not depend on the order <c>topk</c> returns ties in.
/// <code>
/// var hits = SemanticSearch.Search(model.Encode(queries), model.Encode(corpus), topK: 10);
/// Console.WriteLine(corpus[hits[0][0].CorpusId]);   // the best match of the first query
/// </code>
/// </remarks>
public static class SemanticSearch
{
    /// <summary>Queries scored against the corpus at once.</summary>
    public const int QueryChunkSize = 256;

    /// <summary>
    /// The <paramref name="topK"/> corpus entries (fewer if the corpus is smaller) with the highest cosine similarity
    /// to each query, best first.
    /// </summary>
    /// <param name="queries">Query embeddings, one row each.</param>
    /// <param name="corpus">Corpus embeddings, of the same dimension.</param>
    /// <param name="topK">Hits per query, at least 1.</param>
    public static SearchHit[][] Search(IReadOnlyList<IReadOnlyList<float>> queries, IReadOnlyList<IReadOnlyList<float>> corpus, int topK)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        var hits = new SearchHit[queries.Count][];
        if (corpus.Count == 0)
        {
            Array.Fill(hits, []);
            return hits;
        }
        var k = Math.Min(topK, corpus.Count);
        using var corpusScope = NewDisposeScope();
        var corpusMatrix = Similarity.Matrix(corpus, 0, corpus.Count, nameof(corpus), ScalarType.Float32);
        for (var start = 0; start < queries.Count; start += QueryChunkSize)
        {
            using var scope = NewDisposeScope();
            var end = Math.Min(start + QueryChunkSize, queries.Count);
            var chunk = Similarity.Matrix(queries, start, end, nameof(queries), ScalarType.Float32);
            if (chunk.shape[1] != corpusMatrix.shape[1])
            {
                throw new ArgumentException($"Query embeddings have {chunk.shape[1]} dimensions and corpus embeddings {corpusMatrix.shape[1]}; expected the same.", nameof(queries));
            }
            var (values, indices) = Similarity.CosSim(chunk, corpusMatrix).topk(k, dim: 1);
            var scores = values.data<float>().ToArray();
            var ids = indices.data<long>().ToArray();
            for (var q = 0; q < end - start; q++)
            {
                hits[start + q] = [.. Enumerable.Range(q * k, k).Select(i => new SearchHit((int)ids[i], scores[i]))
                    .OrderByDescending(h => h.Score).ThenBy(h => h.CorpusId)];
            }
        }
        return hits;
    }
}
