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

    /// <summary>
    /// Cuts encoded sentences into batches of at most <paramref name="batchSize"/>, longest first by token count
    /// (ties keep their input order), each padded to its longest: similar lengths share a batch, so encoding computes
    /// almost no padding. Each batch comes with the input indices of its rows.
    /// </summary>
    public static IEnumerable<(int[] Indices, TokenizedBatch Batch)> SortedByLength(IReadOnlyList<int[]> encoded, int batchSize, int padTokenId)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var order = Enumerable.Range(0, encoded.Count).OrderByDescending(i => encoded[i].Length).ToArray();
        foreach (var indices in order.Chunk(batchSize))
        {
            yield return (indices, Pad(Array.ConvertAll(indices, i => encoded[i]), padTokenId));
        }
    }

    /// <summary>
    /// Stacks batches (for example the anchor and positive columns of a training batch) into one, padding every row
    /// to the longest sequence of them all. The rows of batch <c>k</c> follow those of batch <c>k - 1</c>.
    /// </summary>
    public static TokenizedBatch Concatenate(IReadOnlyList<TokenizedBatch> batches, int padTokenId)
    {
        ArgumentNullException.ThrowIfNull(batches);
        int rows = batches.Sum(b => b.BatchSize);
        int length = batches.Count == 0 ? 0 : batches.Max(b => b.SequenceLength);
        var inputIds = new long[rows * length];
        var attentionMask = new long[rows * length];
        var tokenTypeIds = new long[rows * length];
        Array.Fill(inputIds, padTokenId);
        int row = 0;
        foreach (var batch in batches)
        {
            for (int b = 0; b < batch.BatchSize; b++, row++)
            {
                int from = b * batch.SequenceLength, to = row * length;
                Array.Copy(batch.InputIds, from, inputIds, to, batch.SequenceLength);
                Array.Copy(batch.AttentionMask, from, attentionMask, to, batch.SequenceLength);
                Array.Copy(batch.TokenTypeIds, from, tokenTypeIds, to, batch.SequenceLength);
            }
        }
        return new TokenizedBatch(inputIds, attentionMask, tokenTypeIds, rows, length);
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
