using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Util;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Models;

/// <summary>
/// <see cref="BertModel.SkipPadding"/>: packing the real tokens of a padded batch must change nothing but the
/// speed. The reference is the same model computing every position of the padded grid, as Hugging Face does.
/// </summary>
public sealed class SkipPaddingTests : IDisposable
{
    // 4 + 3 + 24 + 6 real tokens in a grid of 4 x 24: 39% real, far below the packing threshold.
    private static readonly string[] _sentences =
    [
        "Dogs run.",
        "Hello!",
        "A woman is slicing an onion in the kitchen while the radio plays a song nobody remembers.",
        "The cat sat quietly.",
    ];

    private readonly SentenceTransformer _model = BundledMiniLm.Create();

    public void Dispose() => _model.Dispose();

    [Fact]
    public void PackedGradientsEqualPaddedGradients()
    {
        var batch = _model.Tokenize(_sentences);
        Assert.True(batch.AttentionMask.Average() < BertModel.SkipPaddingBelowDensity, "the batch must be sparse enough to be packed");
        _model.eval();  // no dropout, so both runs see the same function; autograd stays on
        var padded = Gradients(batch, skipPadding: false);
        var packed = Gradients(batch, skipPadding: true);
        Assert.Equal(padded.Keys, packed.Keys);
        // Relative to each parameter's largest gradient; gradients that are zero in exact arithmetic (the key bias:
        // softmax ignores a shift shared by all keys) are held to rounding noise of the largest gradient overall.
        float overall = padded.Values.Max(g => g.Max(Math.Abs));
        foreach (var (name, expected) in padded)
        {
            float scale = expected.Max(Math.Abs);
            float diff = expected.Zip(packed[name], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(diff <= Math.Max(1e-4f * scale, 1e-6f * overall), $"{name}: gradients differ by {diff} (largest gradient {scale}, overall {overall})");
        }
    }

    [Fact]
    public void PackedBFloat16StaysWithinCosine0999OfPaddedFloat32()
    {
        var bert = _model.Transformer.AutoModel;
        bert.SkipPadding = false;
        var reference = _model.Encode(_sentences, batchSize: 4);
        bert.SkipPadding = true;
        _model.Precision = Precision.BFloat16;
        var packed = _model.Encode(_sentences, batchSize: 4);
        for (int i = 0; i < _sentences.Length; i++)
        {
            double cosine = Similarity.PairwiseCosSim([reference[i]], [packed[i]])[0];
            Assert.True(cosine >= 0.999, $"sentence {i}: cosine {cosine:F5}");
        }
    }

    [Fact]
    public void NearlyFullBatchesStayOnThePaddedGrid()
    {
        // 12 and 13 tokens: one padding position in 26, above the threshold, so the grid is computed as it is.
        var batch = _model.Tokenize(["A man is playing a large guitar on the stage.", "A man is playing a large guitar on the big stage."]);
        Assert.True(batch.AttentionMask.Average() > BertModel.SkipPaddingBelowDensity);
        Assert.Contains(0L, batch.AttentionMask);
        _model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var tokens = _model.Transformer.Forward(batch);
        int pad = Array.IndexOf(batch.AttentionMask, 0L);
        var atPadding = tokens.reshape(-1, tokens.shape[^1])[pad];
        Assert.True(atPadding.abs().max().item<float>() > 0, "a padding position was zeroed: the batch was packed");
    }

    private Dictionary<string, float[]> Gradients(NotebookSupport.Tokenization.TokenizedBatch batch, bool skipPadding)
    {
        _model.Transformer.AutoModel.SkipPadding = skipPadding;
        _model.zero_grad();
        using (var scope = NewDisposeScope())
        {
            var embeddings = _model.Forward(batch);
            // A loss that weighs dimensions differently, so no gradient cancels by symmetry.
            using var weights = linspace(-1, 1, embeddings.shape[1]);
            (embeddings * weights).sum().backward();
        }
        var result = new Dictionary<string, float[]>();
        foreach (var (name, parameter) in _model.named_parameters())
        {
            using var grad = parameter.grad;
            if (grad is not null)
            {
                result[name] = grad.data<float>().ToArray();
            }
        }
        return result;
    }
}
