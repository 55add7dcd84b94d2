using NotebookSupport.Data;
using NotebookSupport.Models;
using NotebookSupport.Util;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// Multiple Negatives Ranking loss (in-batch negatives): for each anchor, its own positive should score higher than
/// every other positive in the batch and than every hard negative.
/// </summary>
/// <param name="model">The model to train.</param>
/// <param name="scale">Multiplier of the similarities before the softmax (1 / temperature); 20 suits cosine.</param>
/// <param name="similarity">How anchors and candidates are compared.</param>
/// <remarks>
/// <para>
/// The anchors and candidates are encoded by the same model; the similarity matrix of every anchor against every
/// candidate is multiplied by <see cref="InBatchNegativesLoss.Scale"/> and trained with cross-entropy whose labels are
/// <c>0, 1, ..., B - 1</c> (anchor i belongs with positive i). A larger batch gives more negatives and usually a better
/// model. Use <see cref="NoDuplicatesDataLoader"/> so that no sentence is its own negative. The shared parts of the
/// in-batch losses (scale, similarity, encoding the columns) live in <see cref="InBatchNegativesLoss"/>.
/// </para>
/// <list type="table">
/// <listheader><term>Texts per example</term><description>Meaning</description></listheader>
/// <item><term>(anchor, positive)</term><description>pairs, e.g. NLI premise and entailed hypothesis</description></item>
/// <item><term>(anchor, positive, negative)</term><description>triplets, e.g. with the contradiction as hard negative</description></item>
/// <item><term>(anchor, positive, negative_1, ..., negative_n)</term><description>n hard negatives per anchor</description></item>
/// </list>
/// <para>
/// References: Henderson et al., 2017, "Efficient Natural Language Response Suggestion for Smart Reply"
/// (arXiv:1705.00652). Related: <see cref="MultipleNegativesSymmetricRankingLoss"/>,
/// <see cref="CachedMultipleNegativesRankingLoss"/> (large batches in bounded memory), <see cref="SoftmaxLoss"/>.
/// </para>
/// <example>
/// <code>
/// var examples = pairs.Select(p =&gt; new InputExample(p.Premise, p.Hypothesis)).ToList();
/// var loader = new NoDuplicatesDataLoader(examples, batchSize: 32);
/// var loss = new MultipleNegativesRankingLoss(model);
/// model.Fit(trainObjectives: [(loader, loss)], new FitOptions { Epochs = 1, WarmupSteps = (int)(0.1 * loader.Count), OutputPath = "mnr" });
/// </code>
/// </example>
/// </remarks>
public sealed class MultipleNegativesRankingLoss(SentenceTransformer model, double scale = 20.0, SimilarityFunction similarity = SimilarityFunction.Cosine)
    : InBatchNegativesLoss(nameof(MultipleNegativesRankingLoss), model, scale, similarity)
{
    /// <summary>Cross-entropy of each anchor's row of scores against its own positive, column i.</summary>
    protected override Tensor LossFromScores(Tensor scores) => InBatchCrossEntropy.Compute(scores);
}
