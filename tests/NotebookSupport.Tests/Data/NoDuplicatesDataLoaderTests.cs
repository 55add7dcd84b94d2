using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NotebookSupport.Data;

namespace NotebookSupport.Tests.Data;

public sealed class NoDuplicatesDataLoaderTests
{
    /// <summary>A random data set with many duplicates: texts come from a small pool, in varying case and spacing.</summary>
    public sealed record Case(IReadOnlyList<InputExample> Examples, int BatchSize, int Seed)
    {
        public override string ToString() =>
            $"{Examples.Count} examples, batch {BatchSize}, seed {Seed}: {string.Join(" | ", Examples.Take(12).Select(e => string.Join(",", e.Texts)))}";
    }

    public static class Cases
    {
        public static Arbitrary<Case> Arbitrary() =>
            (from count in Gen.Choose(1, 250)
             from pool in Gen.Choose(2, 40)
             from width in Gen.Choose(1, 3)
             from batchSize in Gen.Choose(1, 20)
             from seed in Gen.Choose(0, 1_000_000)
             from dataSeed in Gen.Choose(0, 1_000_000)
             select Build(count, pool, width, batchSize, seed, dataSeed)).ToArbitrary();

        private static Case Build(int count, int pool, int width, int batchSize, int seed, int dataSeed)
        {
            var random = new Random(dataSeed);
            string Text()
            {
                var t = $"sentence {random.Next(pool)}";
                return random.Next(3) switch { 0 => t, 1 => t.ToUpperInvariant(), _ => $"  {t} " };
            }
            var examples = Enumerable.Range(0, count)
                .Select(_ => new InputExample(Enumerable.Range(0, width).Select(_ => Text()).ToArray()))
                .ToList();
            return new Case(examples, batchSize, seed);
        }
    }

    private static string Key(string text) => text.Trim().ToLowerInvariant();

    [Property(Arbitrary = [typeof(Cases)], MaxTest = 150)]
    public bool NoTextAppearsTwiceInABatch(Case c)
    {
        var loader = new NoDuplicatesDataLoader(c.Examples, c.BatchSize, c.Seed);
        return Enumerable.Range(0, 3).SelectMany(loader.Batches).All(batch =>
        {
            var keys = batch.SelectMany(e => e.Texts.Select(Key).Distinct()).ToList();
            return keys.Count == keys.Distinct().Count();
        });
    }

    [Property(Arbitrary = [typeof(Cases)], MaxTest = 150)]
    public bool EveryExampleExactlyOncePerEpochInBatchesOfAtMostBatchSize(Case c)
    {
        var loader = new NoDuplicatesDataLoader(c.Examples, c.BatchSize, c.Seed);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var batches = loader.ToList();
            var seen = batches.SelectMany(b => b).ToList();
            var distinct = new HashSet<InputExample>(seen, ReferenceEqualityComparer.Instance);
            if (seen.Count != c.Examples.Count
                || distinct.Count != seen.Count
                || !c.Examples.All(distinct.Contains)
                || batches.Any(b => b.Count == 0 || b.Count > c.BatchSize))
            {
                return false;
            }
        }
        return true;
    }

    [Property(Arbitrary = [typeof(Cases)], MaxTest = 150)]
    public bool CountIsTheExactNumberOfBatchesOfEveryEpoch(Case c)
    {
        var loader = new NoDuplicatesDataLoader(c.Examples, c.BatchSize, c.Seed);
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var announced = loader.Count;
            if (loader.BatchCount(epoch) != announced || loader.Count() != announced)
            {
                return false;
            }
        }
        return loader.Epoch == 3;
    }

    [Property(Arbitrary = [typeof(Cases)], MaxTest = 100)]
    public bool OrderChangesAcrossEpochsAndRepeatsForTheSameSeed(Case c)
    {
        var index = new Dictionary<InputExample, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < c.Examples.Count; i++)
        {
            index[c.Examples[i]] = i;
        }
        List<List<int>> ThreeEpochs(NoDuplicatesDataLoader loader) =>
            Enumerable.Range(0, 3).Select(_ => loader.SelectMany(b => b).Select(e => index[e]).ToList()).ToList();

        var epochs = ThreeEpochs(new NoDuplicatesDataLoader(c.Examples, c.BatchSize, c.Seed));
        var again = ThreeEpochs(new NoDuplicatesDataLoader(c.Examples, c.BatchSize, c.Seed));
        var sameSeedSame = epochs.Zip(again).All(p => p.First.SequenceEqual(p.Second));
        // With 10 or more examples, two epochs agreeing by chance has probability below 1/10!.
        var epochsDiffer = !epochs[0].SequenceEqual(epochs[1]) && !epochs[1].SequenceEqual(epochs[2]);
        return sameSeedSame && (c.Examples.Count < 10 || epochsDiffer);
    }

    [Fact]
    public void WithoutDuplicatesTheCountIsTheCeilingOfExamplesOverBatchSize()
    {
        var examples = Enumerable.Range(0, 6697).Select(i => new InputExample($"anchor {i}", $"positive {i}")).ToList();
        var loader = new NoDuplicatesDataLoader(examples, batchSize: 32);
        Assert.Equal(210, loader.Count);
        Assert.Equal(210, loader.Count());
    }

    [Fact]
    public void ConflictingExampleIsDeferredNotLost()
    {
        // Five examples sharing one anchor can never share a batch: each must land in its own batch.
        var examples = Enumerable.Range(0, 5).Select(i => new InputExample("A man plays.", $"positive {i}"))
            .Concat(Enumerable.Range(0, 5).Select(i => new InputExample($"anchor {i}", $"other {i}")))
            .ToList();
        var batches = new NoDuplicatesDataLoader(examples, batchSize: 4, seed: 7).ToList();
        Assert.Equal(5, batches.Count);
        Assert.All(batches, b => Assert.Single(b, e => e.Texts[0] == "A man plays."));
        Assert.Equal(10, batches.Sum(b => b.Count));
    }

    [Fact]
    public void EmptyInputIsRejectedWithAClearMessage()
    {
        var ex = Assert.Throws<ArgumentException>(() => new NoDuplicatesDataLoader([], 32));
        Assert.Contains("at least one example", ex.Message);
    }
}
