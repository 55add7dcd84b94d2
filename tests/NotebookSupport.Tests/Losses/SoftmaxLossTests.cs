using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

public sealed class SoftmaxLossTests
{
    [Fact]
    public void LossAndGradientsMatchFloat64Reference()
    {
        var model = TestModels.Tiny();
        var loss = new SoftmaxLoss(model, numLabels: 3);
        loss.to(ScalarType.Float64);
        int b = 4, d = model.EmbeddingDimension;
        var random = new Random(9);
        double[][] Rows() => Enumerable.Range(0, b).Select(_ => Enumerable.Range(0, d).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();
        var (u, v) = (Rows(), Rows());
        int[] labels = [0, 2, 1, 2];

        using var scope = NewDisposeScope();
        var weight = loss.named_parameters().Single(p => p.name == "classifier.weight").parameter;
        var bias = loss.named_parameters().Single(p => p.name == "classifier.bias").parameter;
        var w = Reshape(weight.data<double>().ToArray(), 3);
        var bb = bias.data<double>().ToArray();

        // Reference: f = [u, v, |u - v|], z = W f + b, L = mean(-log softmax(z)_y).
        double expectedLoss = 0;
        var dU = new double[b, d];
        var dW = new double[3, 3 * d];
        for (var i = 0; i < b; i++)
        {
            var f = u[i].Concat(v[i]).Concat(u[i].Zip(v[i], (x, y) => Math.Abs(x - y))).ToArray();
            var z = Enumerable.Range(0, 3).Select(k => w[k].Zip(f, (p, q) => p * q).Sum() + bb[k]).ToArray();
            var max = z.Max();
            var sum = z.Sum(x => Math.Exp(x - max));
            expectedLoss += (max + Math.Log(sum) - z[labels[i]]) / b;
            for (var k = 0; k < 3; k++)
            {
                var dz = (Math.Exp(z[k] - max) / sum - (k == labels[i] ? 1 : 0)) / b;
                for (var j = 0; j < 3 * d; j++)
                {
                    dW[k, j] += dz * f[j];
                }
                for (var j = 0; j < d; j++)
                {
                    dU[i, j] += dz * (w[k][j] + w[k][2 * d + j] * Math.Sign(u[i][j] - v[i][j]));
                }
            }
        }

        var uT = tensor(u.SelectMany(r => r).ToArray(), [b, d]).requires_grad_(true);
        var vT = tensor(v.SelectMany(r => r).ToArray(), [b, d]).requires_grad_(true);
        var value = loss.CalculateLoss(uT, vT, tensor(labels.Select(l => (long)l).ToArray()));
        value.backward();

        Assert.Equal(expectedLoss, value.ToDouble(), 1e-6);
        var gotU = uT.grad!.data<double>().ToArray();
        var gotW = weight.grad!.data<double>().ToArray();
        for (var i = 0; i < b * d; i++)
        {
            Assert.Equal(dU[i / d, i % d], gotU[i], 1e-6);
        }
        for (var i = 0; i < 3 * 3 * d; i++)
        {
            Assert.Equal(dW[i / (3 * d), i % (3 * d)], gotW[i], 1e-6);
        }
    }

    [Fact]
    public void MissingLabelNamesTheExample()
    {
        var loss = new SoftmaxLoss(TestModels.Tiny());
        var batch = new List<InputExample> { new(["a b", "c d"], 0), new("e f", "g h") };
        var ex = Assert.Throws<ArgumentException>(() => loss.forward(batch));
        Assert.Contains("example 1", ex.Message);
    }

    [Fact]
    public void SimilarityScoreAsLabelIsRefusedAsNotAClass()
    {
        var loss = new SoftmaxLoss(TestModels.Tiny());
        var ex = Assert.Throws<ArgumentException>(() => loss.forward([new(["a b", "c d"], 1), new(["e f", "g h"], 0.5)]));
        Assert.Contains("whole number in 0..2", ex.Message);
        Assert.Contains("example 1 of the batch has 0.5", ex.Message);
    }

    [Fact]
    public void WholeNumberLabelsStillTrainTheClassifier()
    {
        var loss = new SoftmaxLoss(TestModels.Tiny(dropout: 0));
        var batch = new List<InputExample> { new(["a man eats", "a man is eating"], 0), new(["a dog runs", "a cat sleeps"], 2), new(["it rains", "it may rain"], 1.0) };
        var weight = loss.named_parameters().Single(p => p.name == "classifier.weight").parameter;
        using var optimizer = optim.SGD(loss.parameters(), 0.01);
        var losses = new List<double>();
        for (var step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            losses.Add(loss.ForwardBackward(batch));
            optimizer.step();
        }
        Assert.True(losses[^1] < losses[0], $"the loss should fall: {string.Join(", ", losses)}");
        Assert.NotNull(weight.grad);
    }

    private static double[][] Reshape(double[] flat, int rows) =>
        Enumerable.Range(0, rows).Select(r => flat[(r * flat.Length / rows)..((r + 1) * flat.Length / rows)]).ToArray();
}
