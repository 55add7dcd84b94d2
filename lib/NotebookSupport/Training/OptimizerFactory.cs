using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// Builds the optimizer sentence-transformers' <c>fit</c> uses: AdamW with two parameter groups, weight decay on the
/// weight matrices and none on biases and LayerNorm parameters (decaying those only hurts).
/// </summary>
/// <remarks>
/// This is TorchSharp's <c>optim.AdamW</c>, for any device and dtype. <c>Fit</c> uses the same groups with
/// <see cref="FusedAdamW"/> when it can (see <see cref="FitOptions.Optimizer"/>).
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

    /// <summary>AdamW over <paramref name="namedParameters"/> with decay on all but biases and LayerNorm.</summary>
    /// <param name="namedParameters">Parameters with their <c>state_dict</c> names (e.g. <c>model.named_parameters()</c>).</param>
    /// <param name="learningRate">Peak learning rate (the tutorial's 2e-5).</param>
    /// <param name="weightDecay">Decoupled weight decay for the decayed group.</param>
    /// <param name="eps">AdamW's epsilon.</param>
    public static AdamW AdamW(IEnumerable<(string Name, Parameter Parameter)> namedParameters, double learningRate = 2e-5, double weightDecay = 0.01, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(namedParameters);
        var trainable = namedParameters.Where(p => p.Parameter.requires_grad).ToList();
        if (trainable.Count == 0)
        {
            throw new ArgumentException("There are no trainable parameters to optimise.", nameof(namedParameters));
        }
        var decay = trainable.Where(p => UsesWeightDecay(p.Name)).Select(p => p.Parameter).ToList();
        var noDecay = trainable.Where(p => !UsesWeightDecay(p.Name)).Select(p => p.Parameter).ToList();
        var groups = new List<TorchSharp.Modules.AdamW.ParamGroup>
        {
            new(decay, lr: learningRate, eps: eps, weight_decay: weightDecay),
            new(noDecay, lr: learningRate, eps: eps, weight_decay: 0.0),
        };
        return optim.AdamW(groups, lr: learningRate, eps: eps, weight_decay: weightDecay);
    }
}
