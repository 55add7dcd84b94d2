using System.Numerics;
using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Tests.Training;
using TorchSharp;
using static NotebookSupport.Tests.Losses.LossTestSupport;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

public sealed class CoSENTLossTests
{
    private const int Batch = 6;
    private const int Dim = 8;
    // Ties (0.8, 0.8) add no term; 0.0 ranks below everything.
    private static readonly double[] _scores = [0.2, 0.8, 0.5, 0.8, 0.0, 0.64];
    private static readonly NotebookSupport.Models.SentenceTransformer _model = TestModels.Tiny(dropout: 0);

    [Theory]
    [InlineData(false, 20.0, 3)]
    [InlineData(false, 1.0, 4)]
    [InlineData(true, 20.0, 5)]
    [InlineData(true, 7.0, 6)]
    public void LossAndGradientsMatchThePublishedFormulaInFloat64(bool angle, double scale, int seed)
    {
        var random = new Random(seed);
        var (u, v) = (RandomRows(random, Batch, Dim), RandomRows(random, Batch, Dim));
        CoSENTLoss loss = angle ? new AnglELoss(_model, scale) : new CoSENTLoss(_model, scale);
        double Reference(double[][][] x) => ReferenceLoss(x[0], x[1], _scores, scale, angle);

        AssertMatchesReference(x => loss.CalculateLoss(x, tensor(_scores)), Reference, [u, v], valueTolerance: 1e-9, gradientTolerance: 1e-6);
    }

    [Fact]
    public void AllScoresEqualGivesLogOfOne()
    {
        using var scope = NewDisposeScope();
        var random = new Random(1);
        var value = new CoSENTLoss(_model).CalculateLoss([Leaf(RandomRows(random, 3, Dim)), Leaf(RandomRows(random, 3, Dim))], tensor(new[] { 0.4, 0.4, 0.4 }));
        Assert.Equal(0.0, value.ToDouble(), 12);
    }

    [Fact]
    public void ForwardEncodesBothColumnsAndUsesTheLabelsAsScores()
    {
        var batch = new List<InputExample>
        {
            new(["a man is eating", "a man eats food"], 0.9),
            new(["a dog runs", "the market fell"], 0.0),
            new(["a woman sings", "a woman is singing a song"], 0.7),
        };
        var loss = new CoSENTLoss(_model);
        using var scope = NewDisposeScope();
        var embeddings = _model.Forward([_model.Tokenize(["a man is eating", "a dog runs", "a woman sings"]), _model.Tokenize(["a man eats food", "the market fell", "a woman is singing a song"])]);
        var expected = loss.CalculateLoss(embeddings, tensor(new[] { 0.9, 0.0, 0.7 })).ToDouble();
        Assert.Equal(expected, loss.forward(batch).ToDouble(), 1e-6);
    }

    [Fact]
    public void MissingScoreOrThirdTextNamesTheExample()
    {
        var loss = new CoSENTLoss(_model);
        var noScore = Assert.Throws<ArgumentException>(() => loss.forward([new(["a", "b"], 0.5), new InputExample("c", "d")]));
        Assert.Contains("example 1", noScore.Message);
        Assert.Contains("similarity score", noScore.Message);
        var triplet = Assert.Throws<ArgumentException>(() => new CosineSimilarityLoss(_model).forward([new(["a", "b", "c"], 0.5)]));
        Assert.Contains("(2)", triplet.Message);
    }

    [Fact]
    public void AnglENeedsAnEvenDimension()
    {
        using var scope = NewDisposeScope();
        var random = new Random(2);
        var ex = Assert.Throws<ArgumentException>(() => new AnglELoss(_model).CalculateLoss([Leaf(RandomRows(random, 2, 5)), Leaf(RandomRows(random, 2, 5))], tensor(new[] { 0.1, 0.2 })));
        Assert.Contains("D even", ex.Message);
    }

    /// <summary>
    /// CoSENT: log(1 + sum over (i, j) with y_i &gt; y_j of exp(s_j - s_i)), s_i = scale * sim(u_i, v_i); AnglE's sim
    /// (as sentence-transformers' pairwise_angle_sim) is |sum_k Re(w_k) + Im(w_k)| with w_k = z_u,k conj(z_v,k) / (|u| |v|),
    /// the embeddings read as complex numbers (first half real parts, second half imaginary).
    /// </summary>
    internal static double ReferenceLoss(double[][] u, double[][] v, double[] scores, double scale, bool angle)
    {
        var s = u.Select((_, i) => scale * (angle ? AngleSim(u[i], v[i]) : Cos(u[i], v[i]))).ToArray();
        var terms = new List<double> { 0.0 };
        for (var i = 0; i < s.Length; i++)
        {
            for (var j = 0; j < s.Length; j++)
            {
                if (scores[i] > scores[j])
                {
                    terms.Add(s[j] - s[i]);
                }
            }
        }
        var max = terms.Max();
        return max + Math.Log(terms.Sum(t => Math.Exp(t - max)));
    }

    private static double AngleSim(double[] x, double[] y)
    {
        var half = x.Length / 2;
        var norms = Math.Sqrt(Dot(x, x)) * Math.Sqrt(Dot(y, y));
        var sum = 0.0;
        for (var k = 0; k < half; k++)
        {
            var w = new Complex(x[k], x[half + k]) * Complex.Conjugate(new Complex(y[k], y[half + k])) / norms;
            sum += w.Real + w.Imaginary;
        }
        return Math.Abs(sum);
    }
}
