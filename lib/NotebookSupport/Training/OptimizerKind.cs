namespace NotebookSupport.Training;

/// <summary>Which AdamW implementation <c>Fit</c> uses (<see cref="FitOptions.Optimizer"/>); both compute PyTorch's AdamW update.</summary>
public enum OptimizerKind
{
    /// <summary>
    /// <see cref="Training.FusedAdamW"/> when every trainable parameter is a contiguous float32 CPU tensor (the usual
    /// case, mixed precision included: its master weights are float32), otherwise torch's AdamW.
    /// </summary>
    Auto,

    /// <summary><see cref="Training.FusedAdamW"/>: one vectorised pass per parameter, cheaper per step (bench/RESULTS.md); float32 CPU parameters only.</summary>
    FusedAdamW,

    /// <summary>TorchSharp's <c>optim.AdamW</c> (the default of <see cref="OptimizerFactory.AdamW"/>): any device and dtype.</summary>
    TorchAdamW,
}
