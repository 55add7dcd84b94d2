using NotebookSupport.Data;
using NotebookSupport.Models;
using NotebookSupport.Util;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// The classic regression loss for sentence pairs with gold similarity scores: the mean squared error between the
/// cosine similarity of the two embeddings and the gold score.
/// </summary>
/// <remarks>
/// <para>
/// The loss of a batch is <c>mean_i (cos(u_i, v_i) - y_i)^2</c>, so the gold scores must be on the cosine's scale:
/// 0 to 1 (the STSb score / 5). <see cref="CoSENTLoss"/> and <see cref="AnglELoss"/>, which only ask the cosines to
/// be in the gold scores' order, usually train better from the same data.
/// </para>
/// <list type="table">
/// <listheader><term>Texts per example</term><description>Label</description></listheader>
/// <item><term>(sentence_A, sentence_B)</term><description>float similarity score in [0, 1]</description></item>
/// </list>
/// <para>
/// Reference: Reimers and Gurevych, 2019, "Sentence-BERT" (arXiv:1908.10084), the STS regression objective.
/// Related: <see cref="CoSENTLoss"/>, <see cref="AnglELoss"/>.
/// </para>
/// <example>
/// <code>
/// var examples = StsBenchmark.LoadInputExamples("data/stsb/sts-train.csv");   // labels = score / 5
/// var loss = new CosineSimilarityLoss(model);
/// model.Fit(trainObjectives: [(new NoDuplicatesDataLoader(examples, batchSize: 16), loss)], new FitOptions { Epochs = 1 });
/// </code>
/// </example>
/// </remarks>
/// <param name="model">The model to train.</param>
public sealed class CosineSimilarityLoss(SentenceTransformer model) : EmbeddingLoss(nameof(CosineSimilarityLoss), model)
{
    /// <summary><c>mean_i (cos(embeddings[0][i], embeddings[1][i]) - targets[i])^2</c>.</summary>
    public override Tensor CalculateLoss(IReadOnlyList<Tensor> embeddings, Tensor? targets)
    {
        var (u, v, scores) = ScoredPairs(embeddings, targets);
        using var scope = NewDisposeScope();
        var cosine = Similarity.PairwiseCosSim(u, v);
        return nn.functional.mse_loss(cosine, scores.to(cosine.dtype, cosine.device)).MoveToOuterDisposeScope();
    }

    /// <summary>Exactly two texts per example.</summary>
    protected override IReadOnlyList<string>[] Columns(IReadOnlyList<InputExample> batch) => Columns(batch, minTexts: 2, maxTexts: 2);

    /// <summary>The gold similarity scores, one per example.</summary>
    protected override Tensor? Targets(IReadOnlyList<InputExample> batch) => Scores(batch);
}
