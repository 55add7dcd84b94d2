namespace NotebookSupport.Models;

/// <summary>How <see cref="Pooling"/> turns token embeddings into one sentence embedding.</summary>
public enum PoolingMode
{
    /// <summary>The embedding of the first token, <c>[CLS]</c>.</summary>
    Cls,
    /// <summary>Element-wise maximum over the real (non-padding) tokens.</summary>
    Max,
    /// <summary>Average of the real tokens (the default of sentence-transformers).</summary>
    Mean,
    /// <summary>Sum of the real tokens divided by the square root of their count.</summary>
    MeanSqrtLen,
}
