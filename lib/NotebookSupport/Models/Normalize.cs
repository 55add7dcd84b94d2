using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Models;

/// <summary>
/// Scales each sentence embedding to unit L2 length (sentence-transformers' <c>models.Normalize</c>), so that
/// the dot product of two embeddings is their cosine similarity. Has no parameters.
/// </summary>
public sealed class Normalize : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    public Normalize() : base(nameof(Normalize)) { }

    /// <summary>Returns <paramref name="embeddings"/> <c>[B, D]</c> divided row-wise by their L2 norm (at least 1e-12).</summary>
    public Tensor Forward(Tensor embeddings) => call(embeddings);

    /// <inheritdoc cref="Forward"/>
    public override Tensor forward(Tensor embeddings) => nn.functional.normalize(embeddings, p: 2, dim: 1);
}
