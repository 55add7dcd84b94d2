using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tokenization;

/// <summary>
/// A batch of tokenized sentences, padded to the longest one: row-major <c>[BatchSize, SequenceLength]</c>
/// arrays of token ids, attention mask (1 for real tokens, 0 for padding) and token type ids.
/// </summary>
public sealed record TokenizedBatch(long[] InputIds, long[] AttentionMask, long[] TokenTypeIds, int BatchSize, int SequenceLength)
{
    /// <summary>
    /// Pads already encoded sentences (<c>[CLS] ... [SEP]</c> ids, e.g. from <see cref="BertWordPieceTokenizer.Encode"/>)
    /// to the longest of them: token type 0 everywhere, mask 0 and <paramref name="padTokenId"/> at padding.
    /// </summary>
    public static TokenizedBatch Pad(IReadOnlyList<int[]> encoded, int padTokenId)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        int count = encoded.Count;
        int length = count == 0 ? 0 : encoded.Max(e => e.Length);
        var inputIds = new long[count * length];
        var attentionMask = new long[count * length];
        Array.Fill(inputIds, padTokenId);
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < encoded[i].Length; j++)
            {
                inputIds[i * length + j] = encoded[i][j];
                attentionMask[i * length + j] = 1;
            }
        }
        return new TokenizedBatch(inputIds, attentionMask, new long[count * length], count, length);
    }

    /// <summary>The three arrays as <c>int64</c> tensors of shape <c>[BatchSize, SequenceLength]</c>.</summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) ToTensors(Device? device = null)
    {
        long[] shape = [BatchSize, SequenceLength];
        return (tensor(InputIds, shape, device: device),
                tensor(AttentionMask, shape, device: device),
                tensor(TokenTypeIds, shape, device: device));
    }
}
