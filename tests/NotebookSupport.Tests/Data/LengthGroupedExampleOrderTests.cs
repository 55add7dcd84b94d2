using FsCheck.Xunit;
using NotebookSupport.Data;
using NotebookSupport.Hub;
using NotebookSupport.Tests.Training;
using NotebookSupport.Tokenization;

namespace NotebookSupport.Tests.Data;

public sealed class LengthGroupedExampleOrderTests
{
    private static readonly Lazy<BertWordPieceTokenizer> _miniLmTokenizer = new(() =>
    {
        using var vocab = BundledMiniLm.OpenVocab();
        return BertWordPieceTokenizer.FromVocabStream(vocab, "all-MiniLM-L6-v2 vocab.txt");
    });

    // Word counts stand in for token counts in the property tests: what matters is that lengths vary and repeat.
    private static NoDuplicatesDataLoader Grouped(NoDuplicatesDataLoaderTests.Case c, int windowSize) =>
        new(c.Examples, c.BatchSize, c.Seed, new LengthGroupedExampleOrder(text => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length + text.Length % 5, windowSize));

    private static string Key(string text) => text.Trim().ToLowerInvariant();

    [Property(Arbitrary = [typeof(NoDuplicatesDataLoaderTests.Cases)], MaxTest = 150)]
    public bool KeepsEveryLoaderGuarantee(NoDuplicatesDataLoaderTests.Case c)
    {
        // Windows smaller than, equal to and larger than the data set.
        var loader = Grouped(c, windowSize: 1 + c.Seed % 300);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var announced = loader.Count;
            var batches = loader.ToList();
            var seen = batches.SelectMany(b => b).ToList();
            var distinct = new HashSet<InputExample>(seen, ReferenceEqualityComparer.Instance);
            var noDuplicateText = batches.All(batch =>
            {
                var keys = batch.SelectMany(e => e.Texts.Select(Key).Distinct()).ToList();
                return keys.Count == keys.Distinct().Count();
            });
            if (!noDuplicateText
                || batches.Count != announced
                || seen.Count != c.Examples.Count
                || distinct.Count != seen.Count
                || !c.Examples.All(distinct.Contains)
                || batches.Any(b => b.Count == 0 || b.Count > c.BatchSize))
            {
                return false;
            }
        }
        return true;
    }

    [Property(Arbitrary = [typeof(NoDuplicatesDataLoaderTests.Cases)], MaxTest = 100)]
    public bool SameSeedAndEpochGiveTheSameBatchesAndPartialBatchesComeLast(NoDuplicatesDataLoaderTests.Case c)
    {
        var index = new Dictionary<InputExample, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < c.Examples.Count; i++)
        {
            index[c.Examples[i]] = i;
        }
        List<int[]> Epoch(NoDuplicatesDataLoader loader, int epoch) => [.. loader.Batches(epoch).Select(b => b.Select(e => index[e]).ToArray())];

        var first = Grouped(c, 64);
        var second = Grouped(c, 64);
        return Enumerable.Range(0, 3).All(epoch =>
        {
            var a = Epoch(first, epoch);
            var b = Epoch(second, epoch);
            var fullThenPartial = a.SkipWhile(batch => batch.Length == c.BatchSize).All(batch => batch.Length < c.BatchSize);
            return a.Count == b.Count && a.Zip(b).All(p => p.First.SequenceEqual(p.Second)) && fullThenPartial;
        });
    }

    [Fact]
    public void OnSnliPairsWithTheRealTokenizerItCutsPaddingFarBelowRandomOrder()
    {
        var pairs = SnliPairs.Get();
        var tokenizer = _miniLmTokenizer.Value;
        var lengths = new Dictionary<string, int>();
        int Tokens(string text) => lengths.TryGetValue(text, out var n) ? n : lengths[text] = tokenizer.Encode(text, 256).Length;

        var random = new NoDuplicatesDataLoader(pairs, batchSize: 32, seed: 42);
        var grouped = new NoDuplicatesDataLoader(pairs, batchSize: 32, seed: 42, new LengthGroupedExampleOrder(Tokens));
        var realTokens = pairs.Sum(p => (long)Tokens(p.Texts[0]) + Tokens(p.Texts[1]));

        // The encoder computes batch size x longest text, per column.
        long Padded(NoDuplicatesDataLoader loader) =>
            loader.Batches(0).Sum(b => (long)b.Count * (b.Max(e => Tokens(e.Texts[0])) + b.Max(e => Tokens(e.Texts[1]))));
        var randomEfficiency = (double)realTokens / Padded(random);
        var groupedEfficiency = (double)realTokens / Padded(grouped);

        // bench/RESULTS.md measured 0.49 and 0.79 on these 6,697 pairs.
        Assert.InRange(randomEfficiency, 0.40, 0.60);
        Assert.InRange(groupedEfficiency, 0.72, 0.95);
        Assert.Equal(random.Count, grouped.Count);
        Assert.Equal(210, grouped.Count);

        // Batches are shuffled after planning: long and short ones do not come in one run along the epoch.
        var longest = grouped.Batches(0).Select(b => (double)b.Max(e => Tokens(e.Texts[0]))).ToArray();
        Assert.InRange(Correlation([.. Enumerable.Range(0, longest.Length).Select(i => (double)i)], longest), -0.3, 0.3);
        Assert.True(longest.Zip(longest.Skip(1)).Count(p => p.First > p.Second) > longest.Length / 4, "batch lengths should rise and fall along the epoch");
        Assert.False(grouped.Batches(0).Select(b => b[0]).SequenceEqual(grouped.Batches(1).Select(b => b[0])));
    }

    [Fact]
    public void ForModelCountsTokensWithTheModelsTokenizerAndMaxSeqLength()
    {
        using var model = TestModels.Tiny(maxSeqLength: 8);
        var examples = new List<InputExample>
        {
            new("one two three four five six seven eight nine ten", "a"),
            new("one", "a b"),
            new("one two", "a b c"),
            new("one two three", "a b c d"),
        };
        // Window 4, batch 2: sorted by truncated anchor length, then positive: [1, 2, 3, 0] before the batch shuffle.
        var order = LengthGroupedExampleOrder.For(model, windowSize: 4);
        Assert.Equal([1, 2, 3, 0], order.Order(examples, epoch: 0, seed: 5));
        var batches = new NoDuplicatesDataLoader(examples, batchSize: 2, seed: 5, order).Batches(0).Select(b => b.Select(e => examples.IndexOf(e)).ToArray()).ToList();
        Assert.Contains(batches, b => b.SequenceEqual([1, 2]));
        Assert.Contains(batches, b => b.SequenceEqual([3, 0]));
    }

    [Fact]
    public void BadArgumentsGiveClearErrors()
    {
        var nullCount = Assert.Throws<ArgumentNullException>(() => new LengthGroupedExampleOrder(null!));
        Assert.Equal("tokenCount", nullCount.ParamName);

        var window = Assert.Throws<ArgumentOutOfRangeException>(() => new LengthGroupedExampleOrder(t => t.Length, windowSize: 0));
        Assert.Equal("windowSize", window.ParamName);
        Assert.Contains("at least 1", window.Message);

        var negative = new NoDuplicatesDataLoader([new InputExample("fine", "broken")], 2, order: new LengthGroupedExampleOrder(t => t == "broken" ? -1 : 1));
        var error = Assert.Throws<InvalidOperationException>(() => negative.Count);
        Assert.Contains("returned -1 for text 1 of example 0", error.Message);
        Assert.Contains("\"broken\"", error.Message);

        Assert.Throws<ArgumentNullException>(() => LengthGroupedExampleOrder.For(null!));
        Assert.Throws<ArgumentNullException>(() => new NoDuplicatesDataLoader([new InputExample("a", "b")]).WithOrder(null!));
    }

    [Fact]
    public void AnOrderThatLosesOrRepeatsBatchesIsRejected()
    {
        var examples = Enumerable.Range(0, 10).Select(i => new InputExample($"a {i}", $"b {i}")).ToList();
        var dropping = new NoDuplicatesDataLoader(examples, 3, order: new BatchOrder(batches => batches[1..]));
        Assert.Contains("BatchOrder.OrderBatches did not return the 4 planned batches", Assert.Throws<InvalidOperationException>(() => dropping.Count).Message);
        var repeating = new NoDuplicatesDataLoader(examples, 3, order: new BatchOrder(batches => [batches[0], .. batches[..^1]]));
        Assert.Throws<InvalidOperationException>(() => repeating.Count);
        var reversed = new NoDuplicatesDataLoader(examples, 3, order: new BatchOrder(batches => [.. Enumerable.Reverse(batches)]));
        Assert.Equal([1, 3, 3, 3], reversed.Select(b => b.Count));
    }

    [Fact]
    public void WithOrderKeepsExamplesBatchSizeSeedAndEpoch()
    {
        var examples = SnliPairs.Get(100);
        var loader = new NoDuplicatesDataLoader(examples, batchSize: 16, seed: 9) { Epoch = 2 };
        var order = new LengthGroupedExampleOrder(t => t.Length);
        var grouped = loader.WithOrder(order);
        Assert.Same(order, grouped.Order);
        Assert.IsType<RandomExampleOrder>(loader.Order);
        Assert.Equal((loader.Examples, 16, 9, 2), (grouped.Examples, grouped.BatchSize, grouped.Seed, grouped.Epoch));
        Assert.Equal(
            new NoDuplicatesDataLoader(examples, 16, 9, order).Batches(2).SelectMany(b => b),
            grouped.SelectMany(b => b));
    }

    private static double Correlation(double[] x, double[] y)
    {
        double mx = x.Average(), my = y.Average();
        double sxy = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
        return sxy / Math.Sqrt(x.Sum(v => (v - mx) * (v - mx)) * y.Sum(v => (v - my) * (v - my)));
    }

    /// <summary>A plain shuffle followed by a given batch rearrangement.</summary>
    private sealed class BatchOrder(Func<int[][], int[][]> arrange) : IExampleOrder
    {
        public int[] Order(IReadOnlyList<InputExample> examples, int epoch, int seed) => new RandomExampleOrder().Order(examples, epoch, seed);

        public int[][] OrderBatches(int[][] batches, int batchSize, int epoch, int seed) => arrange(batches);
    }
}
