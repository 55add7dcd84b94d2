using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Tests.Training;
using TorchSharp;
using static NotebookSupport.Tests.Losses.LossTestSupport;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

public sealed class GISTEmbedLossTests
{
    private const double Temperature = 0.05;
    private static readonly NotebookSupport.Models.SentenceTransformer _model = TestModels.Tiny(dropout: 0);
    private static readonly NotebookSupport.Models.SentenceTransformer _guide = TestModels.Tiny(seed: 2, dropout: 0);

    // The guide's view of a batch of three pairs: anchor 0 is closer to positive 1 (cos 0.9) than to its own positive
    // (cos 0.8), so positive 1 is a false negative for anchor 0. Every other candidate the guide finds orthogonal to
    // the anchor, below its anchor-positive score, so nothing else is masked.
    private static readonly double[][] _anchorGuide = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]];
    private static readonly double[][] _positiveGuide = [[0.8, 0, 0, 0.6], [0.9, 0.4359, 0, 0], [0, 0, 1, 0]];

    [Fact]
    public void TheGuidesFalseNegativeIsMaskedOutOfTheSoftmax()
    {
        var random = new Random(4);
        var (a, p) = (RandomRows(random, 3, 6), RandomRows(random, 3, 6));
        // The model, too, puts positive 1 close to anchor 0, so masking it changes the loss.
        p[1] = [.. a[0].Select(x => x + 0.1 * (random.NextDouble() - 0.5))];
        // MNR with column 1 removed from row 0: loss = mean_i (log sum_{j kept} exp(s_ij) - s_ii), s = cos / T.
        double Reference(double[][][] x)
        {
            var total = 0.0;
            for (var i = 0; i < 3; i++)
            {
                var row = Enumerable.Range(0, 3).Where(j => !(i == 0 && j == 1)).Select(j => Cos(x[0][i], x[1][j]) / Temperature).ToArray();
                var max = row.Max();
                total += max + Math.Log(row.Sum(s => Math.Exp(s - max))) - Cos(x[0][i], x[1][i]) / Temperature;
            }
            return total / 3;
        }
        var loss = new GISTEmbedLoss(_model, _guide, Temperature, contrastAnchors: false, contrastPositives: false);

        var value = AssertMatchesReference(x => loss.CalculateLoss(x, Guide(_anchorGuide, _positiveGuide)), Reference, [a, p], valueTolerance: 1e-9, gradientTolerance: 1e-5);

        // Without the guide's verdict (positive 1 as far from anchor 0 as the rest), the loss is plain MNR and differs.
        using var scope = NewDisposeScope();
        var unmasked = loss.CalculateLoss([Leaf(a), Leaf(p)], Guide(_anchorGuide, [[0.8, 0, 0, 0.6], [0, 1, 0, 0], [0, 0, 1, 0]])).ToDouble();
        Assert.Equal(RankingLossReference.Compute(a, p, 1 / Temperature, cosine: true).Loss, unmasked, 1e-9);
        Assert.True(unmasked > value + 1, $"masking the false negative should lower the loss: {unmasked} vs {value}");
    }

    [Theory]
    [InlineData(GistMarginStrategy.Absolute, 0.0)]
    [InlineData(GistMarginStrategy.Absolute, 0.3)]
    [InlineData(GistMarginStrategy.Relative, 0.5)]
    public void AllBlocksWithAHardNegativeMatchTheMaskedReference(GistMarginStrategy strategy, double margin)
    {
        var random = new Random(5);
        var (a, p, n) = (RandomRows(random, 3, 6), RandomRows(random, 3, 6), RandomRows(random, 3, 6));
        var (ga, gp, gn) = (RandomRows(random, 3, 5), RandomRows(random, 3, 5), RandomRows(random, 3, 5));
        // Row i holds the anchor-positive, anchor-anchor, positive-positive and anchor-negative blocks, each cosine
        // left out where the guide's cosine for the same cell is above the guide's anchor-positive cosine of row i
        // (less the margin); the anchor's own positive is always kept.
        double Reference(double[][][] x)
        {
            var total = 0.0;
            for (var i = 0; i < 3; i++)
            {
                var guided = Cos(ga[i], gp[i]);
                var threshold = strategy == GistMarginStrategy.Absolute ? guided - margin : guided * (1 - margin);
                var kept = new List<double>();
                foreach (var (rows, columns, guideRows, guideColumns, isPositiveBlock) in new[]
                         { (x[0], x[1], ga, gp, true), (x[0], x[0], ga, ga, false), (x[1], x[1], gp, gp, false), (x[0], x[2], ga, gn, false) })
                {
                    for (var j = 0; j < 3; j++)
                    {
                        if ((isPositiveBlock && i == j) || Cos(guideRows[i], guideColumns[j]) <= threshold)
                        {
                            kept.Add(Cos(rows[i], columns[j]) / Temperature);
                        }
                    }
                }
                var max = kept.Max();
                total += max + Math.Log(kept.Sum(s => Math.Exp(s - max))) - Cos(x[0][i], x[1][i]) / Temperature;
            }
            return total / 3;
        }
        var loss = new GISTEmbedLoss(_model, _guide, Temperature, strategy, margin);

        AssertMatchesReference(x => loss.CalculateLoss(x, Guide(ga, gp, gn)), Reference, [a, p, n], valueTolerance: 1e-9, gradientTolerance: 1e-5);
    }

    [Fact]
    public void ForwardScoresWithTheFrozenGuideWhichGetsNoGradient()
    {
        var batch = new List<InputExample> { new("a man is eating", "a man eats food"), new("a dog runs", "a puppy is running"), new("it rains", "the weather is wet") };
        var loss = new GISTEmbedLoss(_model, _guide);

        using var scope = NewDisposeScope();
        var embeddings = _model.Forward([_model.Tokenize(["a man is eating", "a dog runs", "it rains"]), _model.Tokenize(["a man eats food", "a puppy is running", "the weather is wet"])]);
        var guide = stack(_guide.Forward([_guide.Tokenize(["a man is eating", "a dog runs", "it rains"]), _guide.Tokenize(["a man eats food", "a puppy is running", "the weather is wet"])]), 0).detach();
        var expected = loss.CalculateLoss(embeddings, guide).ToDouble();
        var value = loss.forward(batch);
        value.backward();

        Assert.Equal(expected, value.ToDouble(), 1e-6);
        Assert.Empty(loss.parameters());
        Assert.All(_guide.parameters(), parameter => Assert.Null(parameter.grad));
        Assert.False(_guide.training);
    }

    [Fact]
    public void TheModelCannotGuideItself()
    {
        Assert.Equal("guide", Assert.Throws<ArgumentException>(() => new GISTEmbedLoss(_model, _model)).ParamName);
    }

    private static Tensor Guide(params double[][][] columns) =>
        stack(columns.Select(c => tensor(c.SelectMany(r => r).ToArray(), [c.Length, c[0].Length])).ToArray(), 0);
}
