using NotebookSupport.Models;

namespace NotebookSupport.Tests.Hub;

/// <summary>The layout of model version K in the save loop: pooling, Normalize and max_seq_length all follow K.</summary>
internal static class SaveLoopVersion
{
    private static readonly PoolingMode[] _modes = [PoolingMode.Mean, PoolingMode.Cls, PoolingMode.Max];

    public static (PoolingMode Mode, bool Normalize, int MaxSeqLength) Layout(int version) =>
        (_modes[version % 3], version % 2 == 0, 20 + version % 7);
}
