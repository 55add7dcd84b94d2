using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Models;

/// <summary>
/// <see cref="SentenceTransformer.Forward(IReadOnlyList{TokenizedBatch})"/>: the columns of a training batch go through
/// the encoder together; the reference is one forward pass per column, each padded to its own longest text.
/// </summary>
public sealed class ColumnForwardTests : IDisposable
{
    private static readonly string[] _anchors = ["A man is playing a guitar on a stage in front of a crowd.", "Two dogs run.", "A child eats soup."];
    private static readonly string[] _positives = ["Music.", "Animals are outside running around in the park together.", "Someone is eating."];

    private readonly SentenceTransformer _model = BundledMiniLm.Create();

    public void Dispose() => _model.Dispose();

    [Fact]
    public void ConcatenatePadsEveryRowToTheLongestAndKeepsTheRowsInOrder()
    {
        var tokenizer = _model.Transformer.Tokenizer;
        var a = tokenizer.EncodeBatch(_anchors, 64);
        var p = tokenizer.EncodeBatch(_positives, 64);
        var both = TokenizedBatch.Concatenate([a, p], tokenizer.PadTokenId);
        var expected = tokenizer.EncodeBatch([.. _anchors, .. _positives], 64);
        Assert.Equal(expected.BatchSize, both.BatchSize);
        Assert.Equal(expected.SequenceLength, both.SequenceLength);
        Assert.Equal(expected.InputIds, both.InputIds);
        Assert.Equal(expected.AttentionMask, both.AttentionMask);
        Assert.Equal(expected.TokenTypeIds, both.TokenTypeIds);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ColumnsTogetherGiveTheEmbeddingsAndGradientsOfOnePassPerColumn(bool skipPadding)
    {
        _model.Transformer.AutoModel.SkipPadding = skipPadding;
        _model.eval();  // no dropout: both ways compute the same function
        var columns = new[] { _model.Tokenize(_anchors), _model.Tokenize(_positives) };
        Assert.NotEqual(columns[0].SequenceLength, columns[1].SequenceLength);

        var (separate, separateGrad) = Run(() => columns.Select(_model.Forward).ToArray());
        var (together, togetherGrad) = Run(() => _model.Forward(columns));

        for (int c = 0; c < 2; c++)
        {
            float diff = separate[c].Zip(together[c], (x, y) => Math.Abs(x - y)).Max();
            Assert.True(diff <= 1e-5f, $"column {c}: embeddings differ by {diff}");
        }
        float scale = separateGrad.Max(Math.Abs);
        float gradDiff = separateGrad.Zip(togetherGrad, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(gradDiff <= 1e-4f * scale, $"query weight gradients differ by {gradDiff} (largest {scale})");
    }

    // Embeddings per column, and the gradient of layer 2's query weight for a loss that mixes the columns.
    private (float[][] Embeddings, float[] Gradient) Run(Func<Tensor[]> forward)
    {
        _model.zero_grad();
        float[][] embeddings;
        using (var scope = NewDisposeScope())
        {
            var e = forward();
            embeddings = e.Select(t => t.data<float>().ToArray()).ToArray();
            (e[0].matmul(e[1].t()) * 20).log_softmax(1).diagonal().sum().backward();
        }
        var query = _model.named_parameters().Single(p => p.name.EndsWith("encoder.layer.2.attention.self.query.weight", StringComparison.Ordinal)).parameter;
        using var grad = query.grad!;
        return (embeddings, grad.data<float>().ToArray());
    }
}
