namespace NotebookSupport.Util;

/// <summary>One result of <see cref="SemanticSearch.Search"/>: a corpus entry by index, and its cosine similarity to the query.</summary>
public sealed record SearchHit(int CorpusId, float Score);
