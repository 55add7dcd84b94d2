using NotebookSupport.Data;
using NotebookSupport.Models;
using NotebookSupport.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// CoSENT (Consistent SENTence embedding) loss: a ranking loss on sentence pairs with gold similarity scores. Every
/// pair that the gold scores rank above another should also have the higher predicted similarity.
/// </summary>
/// <remarks>
/// <para>
/// With <c>s_i = scale * cos(u_i, v_i)</c> the predicted similarity of pair i and <c>y_i</c> its gold score, the loss
/// of a batch is <c>log(1 + sum over (i, j) with y_i &gt; y_j of exp(s_j - s_i))</c>. Only the order of the gold
/// scores matters, not their scale, and every pair in the batch is compared with every other, which gives a stronger
/// training signal than <see cref="CosineSimilarityLoss"/>'s regression on the cosine; it is a drop-in replacement
/// for it.
/// </para>
/// <list type="table">
/// <listheader><term>Texts per example</term><description>Label</description></listheader>
/// <item><term>(sentence_A, sentence_B)</term><description>float similarity score, e.g. the STSb score / 5 (<see cref="Evaluation.StsBenchmark.LoadInputExamples"/>)</description></item>
/// </list>
/// <para>
/// References: Huang et al., 2024, "CoSENT: Consistent Sentence Embedding via Similarity Ranking" (IEEE/ACM TASLP,
/// doi:10.1109/TASLP.2024.3402087). Related: <see cref="AnglELoss"/> (the same ranking on angle similarity),
/// <see cref="CosineSimilarityLoss"/>, <see cref="MatryoshkaLoss"/>.
/// </para>
/// <example>
/// <code>
/// var examples = StsBenchmark.LoadInputExamples("data/stsb/sts-train.csv");   // labels = score / 5
/// var loss = new CoSENTLoss(model);
/// model.Fit(trainObjectives: [(new NoDuplicatesDataLoader(examples, batchSize: 16), loss)], new FitOptions { Epochs = 1 });
/// </code>
/// </example>
/// </remarks>
public class CoSENTLoss : EmbeddingLoss
{
    private readonly Func<Tensor, Tensor, Tensor> _pairwiseSimilarity;

    /// <summary>Creates the loss with the cosine as the pairwise similarity.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="scale">Multiplier of the similarities (1 / temperature).</param>
    public CoSENTLoss(SentenceTransformer model, double scale = 20.0)
        : this(nameof(CoSENTLoss), model, scale, Similarity.PairwiseCosSim)
    {
    }

    /// <summary>Creates the loss with another pairwise similarity (see <see cref="AnglELoss"/>).</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="model">The model to train.</param>
    /// <param name="scale">Multiplier of the similarities (1 / temperature).</param>
    /// <param name="pairwiseSimilarity">The similarity of each pair <c>(u[i], v[i])</c>, <c>[B]</c> for embeddings <c>[B, D]</c>.</param>
    protected CoSENTLoss(string name, SentenceTransformer model, double scale, Func<Tensor, Tensor, Tensor> pairwiseSimilarity)
        : base(name, model)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        ArgumentNullException.ThrowIfNull(pairwiseSimilarity);
        Scale = scale;
        _pairwiseSimilarity = pairwiseSimilarity;
    }

    /// <summary>Multiplier of the similarities (1 / temperature).</summary>
    public double Scale { get; }

    /// <summary>
    /// <c>log(1 + sum over y_i &gt; y_j of exp(s_j - s_i))</c> for the pairs <c>(embeddings[0][i], embeddings[1][i])</c>
    /// and the gold scores <paramref name="targets"/> <c>[B]</c>.
    /// </summary>
    public override Tensor CalculateLoss(IReadOnlyList<Tensor> embeddings, Tensor? targets)
    {
        var (u, v, scores) = ScoredPairs(embeddings, targets);
        using var scope = NewDisposeScope();
        using var factor = Scale.ToScalar();
        var s = _pairwiseSimilarity(u, v).mul(factor);
        var labels = scores.to(s.dtype, s.device);
        // Entry (i, j) = s_j - s_i, kept where pair i should rank above pair j; the 0 is the "1 +" inside the log.
        var differences = s.unsqueeze(0).sub(s.unsqueeze(1));
        var ranked = labels.unsqueeze(1).gt(labels.unsqueeze(0));
        var terms = cat([zeros(1, dtype: s.dtype, device: s.device), differences.masked_select(ranked)], 0);
        return terms.logsumexp(0).MoveToOuterDisposeScope();
    }

    /// <summary>Exactly two texts per example.</summary>
    protected override IReadOnlyList<string>[] Columns(IReadOnlyList<InputExample> batch) => Columns(batch, minTexts: 2, maxTexts: 2);

    /// <summary>The gold similarity scores, one per example.</summary>
    protected override Tensor? Targets(IReadOnlyList<InputExample> batch) => Scores(batch);
}
