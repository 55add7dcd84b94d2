using NotebookSupport.Tokenization;

namespace NotebookSupport.Bench;

/// <summary>
/// Sentences tokenized once and cut into batches exactly as bench_encode.py does: sorted by token count, longest
/// first (stable), batch 64, each batch padded to its longest sequence. Every backend gets these same batches.
/// </summary>
internal sealed class EncodeBatches
{
    public EncodeBatches(IReadOnlyList<string> sentences, BertWordPieceTokenizer tokenizer, int batchSize, int maxSeqLength)
    {
        Count = sentences.Count;
        var ids = sentences.Select(s => tokenizer.Encode(s, maxSeqLength)).ToArray();
        RealTokens = ids.Sum(x => (long)x.Length);
        var order = Enumerable.Range(0, Count).OrderByDescending(i => ids[i].Length).ToArray();
        for (int start = 0; start < Count; start += batchSize)
        {
            var part = order[start..Math.Min(Count, start + batchSize)];
            int length = part.Max(i => ids[i].Length);
            var inputIds = new long[part.Length * length];
            var mask = new long[part.Length * length];
            for (int b = 0; b < part.Length; b++)
                for (int t = 0; t < ids[part[b]].Length; t++)
                {
                    inputIds[b * length + t] = ids[part[b]][t];
                    mask[b * length + t] = 1;
                }
            if (tokenizer.PadTokenId != 0)
                for (int k = 0; k < inputIds.Length; k++)
                    if (mask[k] == 0) inputIds[k] = tokenizer.PadTokenId;
            Batches.Add((part, new TokenizedBatch(inputIds, mask, new long[inputIds.Length], part.Length, length)));
            PaddedTokens += inputIds.Length;
        }
    }

    public int Count { get; }

    public long RealTokens { get; }

    public long PaddedTokens { get; }

    /// <summary>(indices into the sentence list, the padded batch).</summary>
    public List<(int[] Indices, TokenizedBatch Batch)> Batches { get; } = [];
}
