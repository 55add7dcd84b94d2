using NotebookSupport.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Training;

public sealed class OptimizerFactoryTests
{
    // Two layers sharing one weight (tied weights): one parameter reachable under two names.
    private sealed class TiedModule : nn.Module<Tensor, Tensor>
    {
        private readonly Linear first = nn.Linear(4, 4);
        private readonly Linear second = nn.Linear(4, 4);
#pragma warning disable IDE1006 // named as in Hugging Face, so that the no-decay rule sees "LayerNorm."
        private readonly LayerNorm LayerNorm = nn.LayerNorm(4);
#pragma warning restore IDE1006

        public TiedModule() : base(nameof(TiedModule))
        {
            second.weight = first.weight;
            RegisterComponents();
        }

        public Parameter Tied => first.weight;

        public bool IsTied => ReferenceEquals(first.weight, second.weight);

        public Parameter[] NoDecay => [first.bias!, second.bias!, LayerNorm.weight!, LayerNorm.bias!];

        public override Tensor forward(Tensor input) => LayerNorm.forward(second.forward(first.forward(input)));
    }

    [Theory]
    [InlineData(OptimizerKind.TorchAdamW)]
    [InlineData(OptimizerKind.FusedAdamW)]
    public void Groups_decay_and_no_decay_and_count_a_tied_or_shared_parameter_once(OptimizerKind kind)
    {
        manual_seed(4);
        using var module = new TiedModule();
        // The module's parameters, then again under a loss's names, as Fit lists a model that a loss also holds.
        var named = module.named_parameters().ToList();
        named.AddRange(named.Select(p => ($"loss0.{p.name}", p.parameter)).ToList());
        Assert.True(module.IsTied);

        const double lr = 0.1, weightDecay = 0.01, eps = 1e-8;
        using var optimizer = OptimizerFactory.AdamW(named, learningRate: lr, weightDecay: weightDecay, kind: kind);
        Assert.Equal(kind == OptimizerKind.FusedAdamW, optimizer is FusedAdamW);
        var groups = optimizer.ParamGroups.Cast<AdamW.ParamGroup>().ToList();
        Assert.Equal(2, groups.Count);
        Assert.Equal(weightDecay, groups[0].Options.weight_decay);
        Assert.Equal(0.0, groups[1].Options.weight_decay);
        Assert.Equal([module.Tied], groups[0].Parameters, ReferenceEqualityComparer.Instance);
        Assert.Equal(module.NoDecay, groups[1].Parameters, ReferenceEqualityComparer.Instance);
        Assert.Equal(5, optimizer.parameters().Count());

        // One step moves each parameter by exactly one AdamW update (the first one is lr * g / (|g| + eps)), the tied
        // weight too, and decays only the first group.
        var before = new[] { module.Tied }.Concat(module.NoDecay).Select(p => p.detach().clone()).ToList();
        var grads = before.Select(p => randn(p.shape)).ToList();
        foreach (var (p, g) in new[] { module.Tied }.Concat(module.NoDecay).Zip(grads))
        {
            p.grad = g.clone();
        }
        optimizer.step();
        var after = new[] { module.Tied }.Concat(module.NoDecay).ToList();
        for (var i = 0; i < after.Count; i++)
        {
            var decay = i == 0 ? 1 - lr * weightDecay : 1.0;
            using var expected = before[i] * decay - lr * grads[i] / (grads[i].abs() + eps);
            var difference = (expected - after[i]).abs().max().item<float>();
            Assert.True(difference < 1e-6, $"parameter {i} of kind {kind} is off the single AdamW step by {difference}");
        }
    }

    [Fact]
    public void Refuses_a_model_without_trainable_parameters_and_an_unresolved_kind()
    {
        using var module = new TiedModule();
        var named = module.named_parameters().ToList();
        Assert.Throws<ArgumentOutOfRangeException>(() => OptimizerFactory.AdamW(named, kind: OptimizerKind.Auto));
        foreach (var (_, p) in named)
        {
            p.requires_grad = false;
        }
        var error = Assert.Throws<ArgumentException>(() => OptimizerFactory.ParameterGroups(named));
        Assert.Contains("no trainable parameters", error.Message);
    }
}
