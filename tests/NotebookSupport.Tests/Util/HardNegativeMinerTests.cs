using NotebookSupport.Data;
using NotebookSupport.Tests.Training;
using NotebookSupport.Util;

namespace NotebookSupport.Tests.Util;

[Collection(RunsAlone.Name)]  // SingleThreaded sets torch's process-wide thread count
public sealed class HardNegativeMinerTests
{
    private static readonly IReadOnlyList<InputExample> _pairs = SnliPairs.Get(60);

    [Fact]
    public void TopSamplingTakesTheBestCandidatesAfterRangeMinThatAreNotAPositive() => SingleThreaded.Run(() =>
    {
        using var model = TestModels.Tiny(seed: 6);
        var mined = HardNegativeMiner.Mine(model, _pairs, new HardNegativeMiningOptions { NumNegatives = 2, RangeMin = 1 });

        // Brute force: every distinct positive scored against the anchor, its own positives removed, best first, one skipped.
        var corpus = _pairs.Select(p => p.Texts[1]).Distinct().ToList();
        var embeddings = model.Encode([.. corpus]);
        foreach (var m in mined.Mined)
        {
            var anchor = model.Encode([m.Anchor])[0];
            var positives = _pairs.Where(p => p.Texts[0] == m.Anchor).Select(p => p.Texts[1]).ToHashSet();
            var expected = corpus.Select((text, i) => (text, score: Similarity.PairwiseCosSim([anchor], [embeddings[i]])[0]))
                .Where(c => !positives.Contains(c.text)).OrderByDescending(c => c.score).Skip(1).Take(2).ToList();
            Assert.Equal(expected.Select(e => e.text), m.Negatives.Select(n => n.Text));
            Assert.All(expected.Zip(m.Negatives), p => Assert.Equal(p.First.score, p.Second.Score, 4));
        }
        Assert.Equal(_pairs.Count, mined.Examples.Count);
        Assert.All(mined.Examples, e => Assert.Equal(4, e.Texts.Count));
        Assert.Equal(_pairs.Count, mined.Mined.Sum(m => m.Negatives.Count) / 2);
        return 0;
    });

    [Fact]
    public void ThePositiveIsNeverChosenAndEveryNegativeRespectsTheMarginsAndMaxScore() => SingleThreaded.Run(() =>
    {
        using var model = TestModels.Tiny(seed: 6);
        var options = new HardNegativeMiningOptions { NumNegatives = 3, RelativeMargin = 0.002, AbsoluteMargin = 0.003, MaxScore = 0.99, Corpus = [.. _pairs.Select(p => p.Texts[0])] };
        var mined = HardNegativeMiner.Mine(model, _pairs, options);

        Assert.Contains(mined.Mined, m => m.Negatives.Count > 0);
        Assert.True(mined.SkippedCandidates["relative margin"] + mined.SkippedCandidates["absolute margin"] + mined.SkippedCandidates["max score"] > 0,
            "the fixture should exercise the filters");
        foreach (var m in mined.Mined)
        {
            var positives = _pairs.Where(p => p.Texts[0] == m.Anchor).Select(p => p.Texts[1]).ToHashSet();
            var embeddings = model.Encode([m.Anchor, .. positives]);
            // The margins' reference is the lowest score of the anchor's positives.
            Assert.Equal(Enumerable.Range(1, positives.Count).Min(i => Similarity.PairwiseCosSim([embeddings[0]], [embeddings[i]])[0]), m.PositiveScore, 5);
            foreach (var (text, score) in m.Negatives)
            {
                Assert.DoesNotContain(text, positives);
                Assert.NotEqual(m.Anchor, text);
                Assert.True(score <= m.PositiveScore * (1 - 0.002), $"{score} above the relative margin of {m.PositiveScore}");
                Assert.True(score <= m.PositiveScore - 0.003, $"{score} above the absolute margin of {m.PositiveScore}");
                Assert.True(score <= 0.99);
            }
        }
        // Pairs whose anchor found fewer than 3 negatives are dropped from the n-tuple output, and counted.
        Assert.Equal(mined.Mined.Count(m => m.Negatives.Count == 3), mined.Examples.Count);
        Assert.Equal(mined.Mined.Count - mined.Examples.Count, mined.PairsDropped);
        return 0;
    });

    [Fact]
    public void AFixedSeedGivesTheSameRandomNegativesAndTripletsHaveOneRowPerNegative() => SingleThreaded.Run(() =>
    {
        using var model = TestModels.Tiny(seed: 6);
        HardNegativeMiningResult Mine(int seed) => HardNegativeMiner.Mine(model, _pairs,
            new HardNegativeMiningOptions { NumNegatives = 2, RangeMax = 20, Sampling = NegativeSampling.Random, Seed = seed, AsTriplets = true });

        static IEnumerable<string> Rows(HardNegativeMiningResult r) => r.Examples.Select(e => string.Join('\t', e.Texts));
        var first = Mine(7);
        Assert.Equal(Rows(first), Rows(Mine(7)));
        Assert.NotEqual(Rows(first), Rows(Mine(8)));
        Assert.Equal(first.Mined.Sum(m => m.Negatives.Count), first.Examples.Count);
        Assert.All(first.Examples, e => Assert.Equal(3, e.Texts.Count));
        Assert.All(first.Mined, m => Assert.True(m.Negatives[0].Score >= m.Negatives[1].Score));
        return 0;
    });

    [Fact]
    public void BadSettingsAreRefusedNamingThem()
    {
        using var model = TestModels.Tiny(seed: 6);
        Assert.Contains("NumNegatives", Assert.Throws<ArgumentException>(() => HardNegativeMiner.Mine(model, _pairs, new HardNegativeMiningOptions { NumNegatives = 0 })).Message);
        Assert.Contains("RelativeMargin", Assert.Throws<ArgumentException>(() => HardNegativeMiner.Mine(model, _pairs, new HardNegativeMiningOptions { RelativeMargin = 1 })).Message);
        Assert.Contains("RangeMax", Assert.Throws<ArgumentException>(() => HardNegativeMiner.Mine(model, _pairs, new HardNegativeMiningOptions { RangeMin = 5, RangeMax = 6 })).Message);
        Assert.Contains("Example 0 has 1 text", Assert.Throws<ArgumentException>(() => HardNegativeMiner.Mine(model, [new InputExample("alone")])).Message);
    }
}
