using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Models;

/// <summary>
/// Where the real tokens of a <c>[B, L]</c> batch are, and whether the encoder carries them as the padded grid or
/// packed: only the real tokens, as rows <c>[T, X]</c>. Token-wise layers (every linear layer, the activation,
/// LayerNorm, dropout) run on whatever rows the layout holds; self-attention needs the grid and asks for it.
/// </summary>
/// <remarks>
/// Packing pays when padding is a large share of the batch (random batches of NLI pairs are about half padding):
/// the matrix products then skip the padded rows. Unpacking puts zeros at padding positions, which attention never
/// reads (the key mask hides them) and pooling ignores.
/// </remarks>
internal sealed class TokenLayout : IDisposable
{
    private readonly Tensor? _rows;  // [T] positions of the real tokens in the flattened [B * L] grid, when packed

    private TokenLayout(long batch, long length, bool fusedAttention, long keyLength, Tensor? keyMask, Tensor? rows)
    {
        Batch = batch;
        Length = length;
        FusedAttention = fusedAttention;
        KeyLength = keyLength;
        KeyMask = keyMask;
        this._rows = rows;
    }

    /// <summary>
    /// libtorch's fused CPU attention kernel computes the softmax of each query row 16 keys at a time and the
    /// remaining <c>L % 16</c> one by one, with a scalar <c>exp</c>, so <c>L = 15</c> takes longer than <c>L = 16</c>.
    /// Rounding the keys up to a multiple of this many (the extra keys masked out) removes that tail.
    /// </summary>
    public const int CpuKeyBlock = 16;

    /// <summary>Below this many leftover keys, the padding would cost about what the scalar tail costs (measured).</summary>
    private const int CpuKeyTailWorthPadding = 4;

    /// <summary>B.</summary>
    public long Batch { get; }

    /// <summary>L.</summary>
    public long Length { get; }

    /// <summary>
    /// True when self-attention runs libtorch's fused kernel; false while training with attention dropout, when it
    /// computes the probabilities itself (<c>BertSelfAttention.AttentionWithDropout</c>).
    /// </summary>
    public bool FusedAttention { get; }

    /// <summary>
    /// How many keys attention sees per sequence: <see cref="Length"/>, or more when <see cref="PadKeys"/> rounds the
    /// keys up for libtorch's CPU kernel (<see cref="CpuKeyBlock"/>); the extra keys are masked out.
    /// </summary>
    public long KeyLength { get; }

    /// <summary>
    /// <c>bool [B, 1, 1, KeyLength]</c>, false at padding and at the keys <see cref="PadKeys"/> adds, broadcast over heads
    /// and query positions; null when no key is masked.
    /// </summary>
    public Tensor? KeyMask { get; }

    /// <summary>
    /// The layout <paramref name="model"/> uses for a batch with this <c>attention_mask [B, L]</c> (1 = real token).
    /// <paramref name="fusedAttention"/>: see <see cref="FusedAttention"/>; with it, on the CPU, the keys are rounded up
    /// (<see cref="KeyLength"/>).
    /// </summary>
    public static TokenLayout For(Tensor attentionMask, BertModel model, bool fusedAttention)
    {
        long batch = attentionMask.shape[0], length = attentionMask.shape[1];
        long real = attentionMask.count_nonzero().item<long>();
        long tail = length % CpuKeyBlock;
        long keyLength = fusedAttention && attentionMask.device_type == DeviceType.CPU && tail >= CpuKeyTailWorthPadding
            ? length - tail + CpuKeyBlock
            : length;
        if (real == batch * length && keyLength == length)
        {
            return new TokenLayout(batch, length, fusedAttention, length, null, null);
        }

        using var realKeys = attentionMask.to(ScalarType.Bool);
        using var keys = keyLength == length ? realKeys.alias() : nn.functional.pad(realKeys, [0, keyLength - length]);
        var keyMask = keys.unsqueeze(1).unsqueeze(1);
        Tensor? rows = null;
        if (model.SkipsPaddingOf(real, batch * length))
        {
            using var flat = attentionMask.reshape(-1);
            using var positions = flat.nonzero();
            rows = positions.squeeze(1);
        }
        return new TokenLayout(batch, length, fusedAttention, keyLength, keyMask, rows);
    }

    /// <summary>Keys or values <c>[B, heads, L, d]</c> with zero rows up to <see cref="KeyLength"/> (masked by <see cref="KeyMask"/>).</summary>
    public Tensor PadKeys(Tensor keysOrValues) =>
        KeyLength == Length ? keysOrValues.alias() : nn.functional.pad(keysOrValues, [0, 0, 0, KeyLength - Length]);

    /// <summary><c>[B, L, X]</c> grid to the rows the encoder carries: <c>[T, X]</c> when packed, else the grid itself.</summary>
    public Tensor Pack(Tensor grid)
    {
        if (_rows is null)
        {
            return grid.alias();
        }

        using var flat = grid.reshape(Batch * Length, grid.shape[^1]);
        return flat.index_select(0, _rows);
    }

    /// <summary>The rows back to the <c>[B, L, X]</c> grid, zeros at padding when packed.</summary>
    public Tensor Unpack(Tensor tokens)
    {
        if (_rows is null)
        {
            return tokens.alias();
        }

        long width = tokens.shape[^1];
        using var grid = zeros([Batch * Length, width], tokens.dtype, tokens.device);
        using var filled = grid.index_copy(0, _rows, tokens);
        return filled.view(Batch, Length, width);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        KeyMask?.Dispose();
        _rows?.Dispose();
    }
}
