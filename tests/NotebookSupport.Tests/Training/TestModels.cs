using NotebookSupport.Models;
using TorchSharp;

namespace NotebookSupport.Tests.Training;

internal static class TestModels
{
    /// <summary>A one-layer BERT of width 32 with dropout 0.1, seeded, over the bundled vocabulary: fast enough for unit tests.</summary>
    public static SentenceTransformer Tiny(int seed = 1, int maxSeqLength = 32, double dropout = 0.1)
    {
        torch.manual_seed(seed);
        var config = BertMiniatures.Config("bert-tiny") with
        {
            HiddenSize = 32,
            NumHiddenLayers = 1,
            NumAttentionHeads = 2,
            IntermediateSize = 64,
            MaxPositionEmbeddings = 64,
            HiddenDropoutProb = dropout,
            AttentionProbsDropoutProb = dropout,
        };
        return BertMiniatures.CreateRandom(config, maxSeqLength: maxSeqLength);
    }
}
