using NotebookSupport.Hub;
using NotebookSupport.Models;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Models;

/// <summary>
/// <see cref="TokenLayout.KeyLength"/>: on the CPU the keys of libtorch's fused attention are rounded up to a multiple of
/// <see cref="TokenLayout.CpuKeyBlock"/>, masked out. Attention must come out as without the extra keys, values and
/// gradients alike.
/// </summary>
public sealed class AttentionKeyRoundingTests : IDisposable
{
    private readonly BertModel _bert = new(BundledMiniLm.Config with
    {
        HiddenSize = 16,
        NumHiddenLayers = 1,
        NumAttentionHeads = 2,
        IntermediateSize = 32,
        MaxPositionEmbeddings = 64,
    });

    public void Dispose() => _bert.Dispose();

    [Theory]
    [InlineData(13, true, 16)]   // 13 leftover keys: rounded up
    [InlineData(20, true, 32)]   // 4 leftover keys: rounded up
    [InlineData(19, true, 19)]   // 3 leftover keys: the scalar tail is cheaper than 13 masked keys
    [InlineData(32, true, 32)]   // already a multiple
    [InlineData(13, false, 13)]  // the dropout path computes attention itself, on the real keys
    public void KeysAreRoundedUpOnlyWhereItPays(int length, bool fusedAttention, int expected)
    {
        using var scope = NewDisposeScope();
        using var layout = TokenLayout.For(ones(2, length, dtype: ScalarType.Int64), _bert, fusedAttention);
        Assert.Equal(expected, layout.KeyLength);
        if (expected == length)
        {
            Assert.Null(layout.KeyMask);  // no padding at all: libtorch's unmasked kernel
            return;
        }
        Assert.Equal([2L, 1, 1, expected], layout.KeyMask!.shape);
        var mask = layout.KeyMask.reshape(2, expected).data<bool>().ToArray();
        for (int t = 0; t < expected; t++)
        {
            Assert.Equal(t < length, mask[t]);
        }
    }

    [Fact]
    public void RoundedKeysGiveTheSameAttentionAndGradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        const int batch = 3, heads = 2, length = 13, size = 8;
        var attentionMask = ones(batch, length, dtype: ScalarType.Int64);
        attentionMask[0, 9..] = zeros(4, dtype: ScalarType.Int64);  // a padded row
        attentionMask[2, 1..] = zeros(12, dtype: ScalarType.Int64);  // a single real token
        using var layout = TokenLayout.For(attentionMask, _bert, fusedAttention: true);
        Assert.Equal(16, layout.KeyLength);

        var q = randn(batch, heads, length, size, requires_grad: true);
        var k = randn(batch, heads, length, size, requires_grad: true);
        var v = randn(batch, heads, length, size, requires_grad: true);
        var realMask = attentionMask.to(ScalarType.Bool).reshape(batch, 1, 1, length);
        var expected = nn.functional.scaled_dot_product_attention(q, k, v, realMask);
        var expectedGrads = Gradients(expected, q, k, v);
        var rounded = nn.functional.scaled_dot_product_attention(q, layout.PadKeys(k), layout.PadKeys(v), layout.KeyMask);
        var roundedGrads = Gradients(rounded, q, k, v);

        Assert.Equal(expected.shape, rounded.shape);
        Assert.True((expected - rounded).abs().max().item<float>() <= 1e-6f);
        for (int i = 0; i < 3; i++)
        {
            Assert.True((expectedGrads[i] - roundedGrads[i]).abs().max().item<float>() <= 1e-5f, $"gradient {i}");
        }
    }

    [Fact]
    public void RoundingKeysInsideEqualsPaddingTheBatchOutside()
    {
        // [2, 13] (keys rounded to 16 inside) against the same tokens padded to [2, 16] by hand (no rounding needed):
        // the encoder must give the same token embeddings at the real positions.
        using var scope = NewDisposeScope();
        manual_seed(3);
        var ids = randint(1000, 2000, [2, 13], dtype: ScalarType.Int64);
        var mask = ones(2, 13, dtype: ScalarType.Int64);
        mask[1, 10..] = zeros(3, dtype: ScalarType.Int64);
        var types = zeros(2, 13, dtype: ScalarType.Int64);
        _bert.eval();
        using var noGrad = no_grad();
        foreach (bool skipPadding in new[] { false, true })
        {
            _bert.SkipPadding = skipPadding;
            var rounded = _bert.call(ids, mask, types);
            var padded = _bert.call(nn.functional.pad(ids, [0, 3]), nn.functional.pad(mask, [0, 3]), nn.functional.pad(types, [0, 3]));
            var real = mask.to(ScalarType.Bool);
            var difference = (rounded[real] - padded[.., ..13][real]).abs().max().item<float>();
            Assert.True(difference <= 1e-5f, $"SkipPadding {skipPadding}: token embeddings differ by {difference}");
        }
    }

    private static Tensor[] Gradients(Tensor output, params Tensor[] inputs)
    {
        using var weights = linspace(-1, 1, output.shape[^1]);
        return autograd.grad([(output * weights).sum()], inputs).ToArray();
    }
}
