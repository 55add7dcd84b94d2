namespace NotebookSupport.Util;

/// <summary>
/// How two sentence embeddings are compared (sentence-transformers' <c>SimilarityFunction</c>), for example by a loss
/// scoring anchors against candidates; <see cref="Similarity.Compute"/> computes it.
/// </summary>
public enum SimilarityFunction
{
    /// <summary>Cosine similarity, in [-1, 1]: the dot product of the L2-normalised embeddings (the tutorial's choice).</summary>
    Cosine,

    /// <summary>Plain dot product; for models trained to be compared that way (the scale is then usually 1).</summary>
    DotProduct,
}
