namespace NotebookSupport.Bench;

/// <summary>
/// Matmul FLOPs of a BERT encoder, counted as the PyTorch reference (anchorlib.count_flops) counts them: per sequence
/// of T tokens, 2 x W x T for the weight matmuls (W = layers x (4 H^2 + 2 H I)) plus layers x 4 T^2 H for attention;
/// training = 3 x forward. MiniLM-L6, 64 sequences: 132.3 GFLOP per step at L = 32, 268.2 at L = 64.
/// </summary>
internal static class Flops
{
    public static double TrainingStep(Models.BertConfig config, int tokensPerSequence, int sequences)
    {
        double h = config.HiddenSize, i = config.IntermediateSize, layers = config.NumHiddenLayers;
        double weights = layers * (4 * h * h + 2 * h * i);
        double forward = sequences * (2 * weights * tokensPerSequence + layers * 4.0 * tokensPerSequence * tokensPerSequence * h);
        return 3 * forward;
    }
}
