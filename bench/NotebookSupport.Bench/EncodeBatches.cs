using NotebookSupport.Tokenization;

namespace NotebookSupport.Bench;

/// <summary>
/// Sentences tokenized once and cut into batches exactly as bench_encode.py does (and SentenceTransformer.Encode):
/// sorted by token count, longest first (stable), batch 64, each batch padded to its longest sequence. Every backend
/// gets these same batches.
/// </summary>
internal sealed class EncodeBatches
{
    public EncodeBatches(IReadOnlyList<string> sentences, BertWordPieceTokenizer tokenizer, int batchSize, int maxSeqLength)
    {
        Count = sentences.Count;
        var ids = sentences.Select(s => tokenizer.Encode(s, maxSeqLength)).ToArray();
        RealTokens = ids.Sum(x => (long)x.Length);
        foreach (var (indices, batch) in TokenizedBatch.SortedByLength(ids, batchSize, tokenizer.PadTokenId))
        {
            Batches.Add((indices, batch));
            PaddedTokens += batch.InputIds.Length;
        }
    }

    public int Count { get; }

    public long RealTokens { get; }

    public long PaddedTokens { get; }

    /// <summary>(indices into the sentence list, the padded batch).</summary>
    public List<(int[] Indices, TokenizedBatch Batch)> Batches { get; } = [];
}
