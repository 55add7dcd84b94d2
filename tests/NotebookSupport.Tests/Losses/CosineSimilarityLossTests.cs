using NotebookSupport.Losses;
using NotebookSupport.Tests.Training;
using TorchSharp;
using static NotebookSupport.Tests.Losses.LossTestSupport;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

public sealed class CosineSimilarityLossTests
{
    [Fact]
    public void LossAndGradientsAreTheMeanSquaredErrorOfTheCosine()
    {
        double[] scores = [0.1, 0.9, 0.5, 0.0, 1.0];
        var random = new Random(8);
        var (u, v) = (RandomRows(random, scores.Length, 6), RandomRows(random, scores.Length, 6));
        double Reference(double[][][] x) => x[0].Select((_, i) => Math.Pow(Cos(x[0][i], x[1][i]) - scores[i], 2)).Average();

        var loss = new CosineSimilarityLoss(TestModels.Tiny());
        AssertMatchesReference(x => loss.CalculateLoss(x, tensor(scores)), Reference, [u, v], valueTolerance: 1e-12, gradientTolerance: 1e-8);
    }

    [Fact]
    public void WrongNumberOfScoresIsRefused()
    {
        using var scope = NewDisposeScope();
        var random = new Random(1);
        var ex = Assert.Throws<ArgumentException>(() => new CosineSimilarityLoss(TestModels.Tiny()).CalculateLoss([Leaf(RandomRows(random, 3, 4)), Leaf(RandomRows(random, 3, 4))], tensor(new[] { 0.5, 0.5 })));
        Assert.Equal("targets", ex.ParamName);
    }
}
