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
    private readonly Tensor? rows;  // [T] positions of the real tokens in the flattened [B * L] grid, when packed

    private TokenLayout(long batch, long length, Tensor? keyMask, Tensor? rows)
    {
        Batch = batch;
        Length = length;
        KeyMask = keyMask;
        this.rows = rows;
    }

    /// <summary>B.</summary>
    public long Batch { get; }

    /// <summary>L.</summary>
    public long Length { get; }

    /// <summary>
    /// <c>bool [B, 1, 1, L]</c>, false at padding, broadcast over heads and query positions; null when the batch has no
    /// padding (libtorch then takes its fused attention kernel).
    /// </summary>
    public Tensor? KeyMask { get; }

    /// <summary>The layout <paramref name="model"/> uses for a batch with this <c>attention_mask [B, L]</c> (1 = real token).</summary>
    public static TokenLayout For(Tensor attentionMask, BertModel model)
    {
        long batch = attentionMask.shape[0], length = attentionMask.shape[1];
        long real = attentionMask.count_nonzero().item<long>();
        if (real == batch * length)
            return new TokenLayout(batch, length, null, null);
        var keyMask = attentionMask.to(ScalarType.Bool).unsqueeze(1).unsqueeze(1);
        Tensor? rows = null;
        if (model.SkipsPaddingOf(real, batch * length))
        {
            using var flat = attentionMask.reshape(-1);
            using var positions = flat.nonzero();
            rows = positions.squeeze(1);
        }
        return new TokenLayout(batch, length, keyMask, rows);
    }

    /// <summary><c>[B, L, X]</c> grid to the rows the encoder carries: <c>[T, X]</c> when packed, else the grid itself.</summary>
    public Tensor Pack(Tensor grid)
    {
        if (rows is null) return grid.alias();
        using var flat = grid.reshape(Batch * Length, grid.shape[^1]);
        return flat.index_select(0, rows);
    }

    /// <summary>The rows back to the <c>[B, L, X]</c> grid, zeros at padding when packed.</summary>
    public Tensor Unpack(Tensor tokens)
    {
        if (rows is null) return tokens.alias();
        long width = tokens.shape[^1];
        using var grid = zeros([Batch * Length, width], tokens.dtype, tokens.device);
        using var filled = grid.index_copy(0, rows, tokens);
        return filled.view(Batch, Length, width);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        KeyMask?.Dispose();
        rows?.Dispose();
    }
}
