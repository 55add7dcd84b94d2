using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tokenization;

/// <summary>
/// A batch of tokenized sentences, padded to the longest one: row-major <c>[BatchSize, SequenceLength]</c>
/// arrays of token ids, attention mask (1 for real tokens, 0 for padding) and token type ids.
/// </summary>
public sealed record TokenizedBatch(long[] InputIds, long[] AttentionMask, long[] TokenTypeIds, int BatchSize, int SequenceLength)
{
    /// <summary>The three arrays as <c>int64</c> tensors of shape <c>[BatchSize, SequenceLength]</c>.</summary>
    public (Tensor InputIds, Tensor AttentionMask, Tensor TokenTypeIds) ToTensors(Device? device = null)
    {
        long[] shape = [BatchSize, SequenceLength];
        return (tensor(InputIds, shape, device: device),
                tensor(AttentionMask, shape, device: device),
                tensor(TokenTypeIds, shape, device: device));
    }
}
