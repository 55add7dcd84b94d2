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
            var batch = TokenizedBatch.Pad(part.Select(i => ids[i]).ToArray(), tokenizer.PadTokenId);
            Batches.Add((part, batch));
            PaddedTokens += batch.InputIds.Length;
        }
    }

    public int Count { get; }

    public long RealTokens { get; }

    public long PaddedTokens { get; }

    /// <summary>(indices into the sentence list, the padded batch).</summary>
    public List<(int[] Indices, TokenizedBatch Batch)> Batches { get; } = [];
}
