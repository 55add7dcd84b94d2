using NotebookSupport.Data;
using NotebookSupport.Models;
using TorchSharp;

namespace NotebookSupport.Tests.Losses;

/// <summary>What the GradCache losses' tests share: a batch of NLI-like examples and the comparison of losses and gradients.</summary>
internal static class GradCacheChecks
{
    public const double Tolerance = 1e-5;

    private static readonly string[] _subjects = ["A man", "Two women", "A child", "The old dog", "A chef", "Some tourists", "A girl", "Three boys", "A cyclist", "The band"];
    private static readonly string[] _actions = ["is playing a guitar", "are walking on the beach", "jumps into a lake", "sleeps under a tree", "cooks pasta", "take photos of a bridge", "reads a long book", "kick a red ball", "rides up a hill", "performs on stage"];

    public static List<InputExample> Batch(int size, bool hardNegatives) =>
        Enumerable.Range(0, size).Select(i =>
        {
            var anchor = $"{_subjects[i % 10]} {_actions[i % 10]} near house {i}.";
            var positive = $"{_subjects[i % 10]} is outside {i}.";
            var negative = $"Nobody {_actions[(i + 3) % 10]} today {i}.";
            return hardNegatives ? new InputExample(anchor, positive, negative) : new InputExample(anchor, positive);
        }).ToList();

    public sealed record Outcome(double Loss, Dictionary<string, float[]> Gradients);

    public static Outcome Run(SentenceTransformer model, int seed, Func<double> forwardBackward)
    {
        model.zero_grad();
        torch.manual_seed(seed);
        var loss = forwardBackward();
        var gradients = model.named_parameters()
            .Where(p => p.parameter.grad is not null)
            .ToDictionary(p => p.name, p => p.parameter.grad!.data<float>().ToArray());
        model.zero_grad();
        return new Outcome(loss, gradients);
    }

    public static void AssertSame(Outcome expected, Outcome actual)
    {
        Assert.Equal(expected.Loss, actual.Loss, Tolerance);
        Assert.Equal(expected.Gradients.Keys.Order(), actual.Gradients.Keys.Order());
        Assert.Contains("0.auto_model.encoder.layer.0.attention.self.query.weight", actual.Gradients.Keys);
        var difference = MaxGradientDifference(expected, actual);
        Assert.True(difference <= Tolerance, $"largest parameter-gradient difference {difference:E3} exceeds {Tolerance:E0}");
    }

    public static double MaxGradientDifference(Outcome a, Outcome b) =>
        a.Gradients.Max(p => p.Value.Zip(b.Gradients[p.Key], (x, y) => (double)Math.Abs(x - y)).DefaultIfEmpty(0).Max());
}
