namespace NotebookSupport.Losses;

/// <summary>How a loss scores an anchor against a candidate sentence embedding.</summary>
public enum SimilarityFunction
{
    /// <summary>Cosine similarity, in [-1, 1]: the dot product of the L2-normalised embeddings (the tutorial's choice).</summary>
    Cosine,

    /// <summary>Plain dot product; for models trained to be compared that way (the scale is then usually 1).</summary>
    DotProduct,
}
