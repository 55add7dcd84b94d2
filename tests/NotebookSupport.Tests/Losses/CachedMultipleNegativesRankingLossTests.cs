using NotebookSupport.Data;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tests.Training;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Losses;

/// <summary>CachedMultipleNegativesRankingLoss against MNR's formula on an ordinary graph (the checks are the base's).</summary>
[Collection(RunsAlone.Name)]
public sealed class CachedMultipleNegativesRankingLossTests : GradCacheLossTests
{
    protected override EmbeddingLoss Cached(SentenceTransformer model, int miniBatchSize) => new CachedMultipleNegativesRankingLoss(model, miniBatchSize: miniBatchSize);

    protected override EmbeddingLoss Uncached(SentenceTransformer model) => new MultipleNegativesRankingLoss(model);

    protected override Tensor Formula(SentenceTransformer model, Tensor[] columns, List<InputExample> batch) =>
        new MultipleNegativesRankingLoss(model).CalculateLoss(columns[0], columns[1], columns[2..]);
}
