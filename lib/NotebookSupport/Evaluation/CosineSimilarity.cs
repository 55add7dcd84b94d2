namespace NotebookSupport.Evaluation;

/// <summary>
/// Cosine similarity between embeddings held as plain arrays (sentence-transformers' <c>util.cos_sim</c>):
/// the dot product of the two vectors divided by the product of their norms.
/// </summary>
public static class CosineSimilarity
{
    /// <summary>The similarity of <paramref name="a"/> and <paramref name="b"/>; 0 where either vector is all zeros.</summary>
    public static float Between(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"The vectors have {a.Count} and {b.Count} dimensions; expected the same number.", nameof(b));
        }

        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Count; i++)
        {
            dot += (double)a[i] * b[i];
            normA += (double)a[i] * a[i];
            normB += (double)b[i] * b[i];
        }

        return normA == 0 || normB == 0 ? 0 : (float)(dot / Math.Sqrt(normA * normB));
    }

    /// <summary>The matrix whose cell [i][j] is the similarity of <paramref name="a"/>[i] and <paramref name="b"/>[j].</summary>
    public static float[][] Matrix(IReadOnlyList<IReadOnlyList<float>> a, IReadOnlyList<IReadOnlyList<float>> b) =>
        a.Select(row => b.Select(column => Between(row, column)).ToArray()).ToArray();
}
