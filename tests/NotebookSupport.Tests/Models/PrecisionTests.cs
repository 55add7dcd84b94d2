using NotebookSupport.Hub;
using NotebookSupport.Models;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Models;

public sealed class PrecisionTests : IDisposable
{
    private static readonly string[] _sentences =
    [
        "A man is playing a guitar.",
        "A woman is slicing an onion in the kitchen while the radio plays a song nobody remembers.",
        "Dogs.",
        "The stock market fell sharply on Monday after the announcement.",
    ];

    private readonly SentenceTransformer _model = BundledMiniLm.Create();

    public void Dispose() => _model.Dispose();

    [Fact]
    public void BFloat16EmbeddingsStayWithinCosine0999OfFloat32()
    {
        var reference = _model.Encode(_sentences, batchSize: 2);
        _model.Precision = Precision.BFloat16;
        var mixed = _model.Encode(_sentences, batchSize: 2);
        for (int i = 0; i < _sentences.Length; i++)
        {
            double cosine = NotebookSupport.Util.Similarity.PairwiseCosSim([reference[i]], [mixed[i]])[0];
            Assert.True(cosine >= 0.999, $"sentence {i}: cosine {cosine:F5}");
            // Not the same numbers: the products really ran in bfloat16 (8 mantissa bits).
            Assert.True(reference[i].Zip(mixed[i], (a, b) => Math.Abs(a - b)).Max() > 1e-5, $"sentence {i} identical to float32");
        }
    }

    [Fact]
    public void BFloat16TrainingKeepsFloat32MasterWeightsAndTheirGradients()
    {
        _model.Precision = Precision.BFloat16;
        _model.train();
        using var scope = NewDisposeScope();
        var embeddings = _model.Forward(_sentences);
        Assert.Equal(ScalarType.Float32, embeddings.dtype);
        embeddings.sum().backward();
        foreach (var (name, parameter) in _model.named_parameters())
        {
            Assert.Equal(ScalarType.Float32, parameter.dtype);
            if (name.Contains("pooler", StringComparison.Ordinal))
            {
                continue;   // not on the sentence-embedding path
            }

            using var grad = parameter.grad;
            Assert.True(grad is not null, $"{name} got no gradient");
            Assert.Equal(ScalarType.Float32, grad!.dtype);
        }
    }

    [Fact]
    public void BFloat16GradientsPointLikeFloat32Gradients()
    {
        Tensor Gradient(Precision precision)
        {
            _model.zero_grad();
            _model.Precision = precision;
            _model.eval();   // no dropout: the two runs differ only in number format
            using var scope = NewDisposeScope();
            // The embeddings are unit length, so a fixed direction (not their squared norm) gives a real gradient.
            var direction = linspace(-1, 1, _model.EmbeddingDimension);
            (_model.Forward(_sentences) * direction).sum().backward();
            var query = _model.named_parameters().Single(p => p.name.EndsWith("encoder.layer.3.attention.self.query.weight", StringComparison.Ordinal)).parameter;
            return query.grad!.flatten().MoveToOuterDisposeScope();
        }
        using var fp32 = Gradient(Precision.Float32);
        using var bf16 = Gradient(Precision.BFloat16);
        double cosine = nn.functional.cosine_similarity(fp32, bf16, dim: 0).item<float>();
        Assert.True(cosine >= 0.99, $"gradient cosine {cosine:F4}");
    }
}
