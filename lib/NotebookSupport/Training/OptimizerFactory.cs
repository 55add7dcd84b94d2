using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// Builds the optimizer sentence-transformers' <c>fit</c> uses: AdamW with two parameter groups, weight decay on the
/// weight matrices and none on biases and LayerNorm parameters (decaying those only hurts).
/// </summary>
/// <remarks>
/// Both AdamW implementations get the same groups from <see cref="ParameterGroups"/>: TorchSharp's <c>optim.AdamW</c>
/// (any device and dtype) and the library's <see cref="Training.FusedAdamW"/> (float32 CPU, cheaper per step: bench/RESULTS.md),
/// which <c>Fit</c> uses when it can (see <see cref="FitOptions.Optimizer"/>).
/// </remarks>
/// <example>
/// <code>
/// var optimizer = OptimizerFactory.AdamW(model.named_parameters(), learningRate: 2e-5, weightDecay: 0.01);
/// </code>
/// </example>
public static class OptimizerFactory
{
    /// <summary>Name fragments of the parameters that get no weight decay, as in Hugging Face and sentence-transformers.</summary>
    public static IReadOnlyList<string> NoDecay { get; } = ["bias", "LayerNorm.bias", "LayerNorm.weight"];

    /// <summary>True when <paramref name="parameterName"/> should be decayed (it contains none of <see cref="NoDecay"/>).</summary>
    public static bool UsesWeightDecay(string parameterName) => !NoDecay.Any(parameterName.Contains);

    /// <summary>
    /// <c>fit()</c>'s parameter groups: first the trainable parameters that get <paramref name="weightDecay"/>, then
    /// those that get none (<see cref="NoDecay"/>), each in the order given. A parameter listed twice (tied weights,
    /// or a model that is also part of a loss) is kept once, under its first name.
    /// </summary>
    /// <param name="namedParameters">Parameters with their <c>state_dict</c> names (e.g. <c>model.named_parameters()</c>).</param>
    /// <param name="learningRate">Peak learning rate of both groups.</param>
    /// <param name="weightDecay">Decoupled weight decay of the first group.</param>
    /// <param name="eps">AdamW's epsilon.</param>
    /// <exception cref="ArgumentException">No parameter is trainable.</exception>
    public static IReadOnlyList<TorchSharp.Modules.AdamW.ParamGroup> ParameterGroups(IEnumerable<(string Name, Parameter Parameter)> namedParameters,
        double learningRate = 2e-5, double weightDecay = 0.01, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(namedParameters);
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        var trainable = namedParameters.Where(p => p.Parameter.requires_grad && seen.Add(p.Parameter)).ToList();
        if (trainable.Count == 0)
        {
            throw new ArgumentException("There are no trainable parameters to optimise.", nameof(namedParameters));
        }
        return
        [
            new([.. trainable.Where(p => UsesWeightDecay(p.Name)).Select(p => p.Parameter)], lr: learningRate, eps: eps, weight_decay: weightDecay),
            new([.. trainable.Where(p => !UsesWeightDecay(p.Name)).Select(p => p.Parameter)], lr: learningRate, eps: eps, weight_decay: 0.0),
        ];
    }

    /// <summary>AdamW over <paramref name="namedParameters"/> with decay on all but biases and LayerNorm (<see cref="ParameterGroups"/>).</summary>
    /// <param name="namedParameters">Parameters with their <c>state_dict</c> names (e.g. <c>model.named_parameters()</c>).</param>
    /// <param name="learningRate">Peak learning rate (the tutorial's 2e-5).</param>
    /// <param name="weightDecay">Decoupled weight decay for the decayed group.</param>
    /// <param name="eps">AdamW's epsilon.</param>
    /// <param name="kind">
    /// The implementation: TorchSharp's <c>optim.AdamW</c> (default) or <see cref="Training.FusedAdamW"/>. Resolve
    /// <see cref="OptimizerKind.Auto"/> first, as <c>Fit</c> does.
    /// </param>
    /// <exception cref="ArgumentException">No parameter is trainable, or <see cref="OptimizerKind.FusedAdamW"/> is asked for parameters it cannot update.</exception>
    public static OptimizerHelper AdamW(IEnumerable<(string Name, Parameter Parameter)> namedParameters, double learningRate = 2e-5,
        double weightDecay = 0.01, double eps = 1e-8, OptimizerKind kind = OptimizerKind.TorchAdamW)
    {
        var groups = ParameterGroups(namedParameters, learningRate, weightDecay, eps);
        return kind switch
        {
            OptimizerKind.TorchAdamW => optim.AdamW(groups, lr: learningRate, eps: eps, weight_decay: weightDecay),
            OptimizerKind.FusedAdamW => new FusedAdamW(groups, lr: learningRate, eps: eps, weight_decay: weightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected FusedAdamW or TorchAdamW; Auto is resolved by Fit."),
        };
    }
}
