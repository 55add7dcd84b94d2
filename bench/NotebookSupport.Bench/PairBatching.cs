namespace NotebookSupport.Bench;

/// <summary>
/// Two ways to cut (anchor, positive) pairs into MNR batches, both keeping the no-duplicates guarantee (no text twice
/// in a batch: a duplicate would be an in-batch "negative" equal to the positive) and both using every pair exactly
/// once per epoch: <see cref="DataOrder"/> (a seeded shuffle, then greedy batches; what NoDuplicatesDataLoader does)
/// and <see cref="LengthGrouped"/>, which sorts pairs of similar token lengths together inside large shuffled windows,
/// so each side's padding shrinks, then shuffles the batches.
/// </summary>
internal static class PairBatching
{
    public static List<int[]> DataOrder(IReadOnlyList<(string Anchor, string Positive)> pairs, int batchSize, int seed)
    {
        var order = Shuffled(pairs.Count, new Random(seed));
        return Greedy(order, pairs, batchSize);
    }

    // tokenLengths: token count of (anchor, positive) per pair. windowBatches: pairs are sorted inside windows of this
    // many batches, large enough to find similar lengths, small enough that the order stays random at the epoch scale.
    public static List<int[]> LengthGrouped(IReadOnlyList<(string Anchor, string Positive)> pairs, IReadOnlyList<(int Anchor, int Positive)> tokenLengths,
        int batchSize, int seed, int windowBatches = 64)
    {
        var rng = new Random(seed);
        var order = Shuffled(pairs.Count, rng);
        int window = batchSize * windowBatches;
        var sorted = new List<int>(order.Count);
        for (int start = 0; start < order.Count; start += window)
            sorted.AddRange(order.Skip(start).Take(window)
                .OrderBy(i => tokenLengths[i].Anchor).ThenBy(i => tokenLengths[i].Positive));
        var batches = Greedy(sorted, pairs, batchSize);
        // Batches of long sequences should not all come at one point of the learning-rate schedule.
        var full = batches.Where(b => b.Length == batchSize).ToList();
        var partial = batches.Where(b => b.Length != batchSize).ToList();
        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(full));
        return [.. full, .. partial];
    }

    /// <summary>Sum over batches of (batch size x longest anchor + batch size x longest positive): the tokens the encoder computes.</summary>
    public static long PaddedTokens(IEnumerable<int[]> batches, IReadOnlyList<(int Anchor, int Positive)> lengths) =>
        batches.Sum(b => (long)b.Length * (b.Max(i => lengths[i].Anchor) + b.Max(i => lengths[i].Positive)));

    private static List<int> Shuffled(int count, Random rng)
    {
        var order = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(order);
        return [.. order];
    }

    // Walk the order; a pair whose text is already in the current batch waits (in order) for a later batch.
    private static List<int[]> Greedy(List<int> order, IReadOnlyList<(string Anchor, string Positive)> pairs, int batchSize)
    {
        var batches = new List<int[]>();
        var pending = new LinkedList<int>(order);
        while (pending.Count > 0)
        {
            var batch = new List<int>(batchSize);
            var texts = new HashSet<string>(StringComparer.Ordinal);
            for (var node = pending.First; node is not null && batch.Count < batchSize;)
            {
                var next = node.Next;
                var (a, p) = pairs[node.Value];
                if (!texts.Contains(a) && !texts.Contains(p))
                {
                    texts.Add(a);
                    texts.Add(p);
                    batch.Add(node.Value);
                    pending.Remove(node);
                }
                node = next;
            }
            batches.Add([.. batch]);
        }
        return batches;
    }
}
