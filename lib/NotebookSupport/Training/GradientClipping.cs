using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>Gradient clipping by global L2 norm, the step between <c>backward()</c> and <c>optimizer.step()</c>.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Rescales the gradients of <paramref name="parameters"/> so that their joint L2 norm is at most
    /// <paramref name="maxNorm"/> (sentence-transformers uses 1.0) and returns the norm before clipping; a non-finite
    /// result means the gradients overflowed and the step should not be taken.
    /// </summary>
    public static double ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm = 1.0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxNorm);
        var withGradients = parameters.Where(p => p.grad is not null).ToList();
        return withGradients.Count == 0 ? 0.0 : nn.utils.clip_grad_norm_(withGradients, maxNorm);
    }
}
