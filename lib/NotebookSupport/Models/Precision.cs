namespace NotebookSupport.Models;

/// <summary>
/// The number format the encoder's matrix products run in. The parameters always stay <c>float32</c>
/// ("master weights"), so the optimizer updates them at full precision, as PyTorch's autocast does.
/// </summary>
public enum Precision
{
    /// <summary>Everything in <c>float32</c>: the reference numerics.</summary>
    Float32,

    /// <summary>
    /// Mixed precision: every linear layer and the attention run in <c>bfloat16</c> (weights cast on the fly,
    /// gradients flow back to the <c>float32</c> weights); embeddings, residual sums, LayerNorm, pooling and the
    /// loss stay <c>float32</c>. Faster on CPUs with AVX512_BF16 or AMX (measured in bench/RESULTS.md); embeddings
    /// keep a cosine above 0.999 to the <c>float32</c> ones.
    /// </summary>
    BFloat16,
}
