using NotebookSupport.Models;
using NotebookSupport.Util;

namespace NotebookSupport.Losses;

/// <summary>
/// AnglE (angle-optimised) loss: <see cref="CoSENTLoss"/>'s pairwise ranking of sentence pairs by their gold scores,
/// on the angle similarity (<see cref="Similarity.PairwiseAngleSim"/>) instead of the cosine.
/// </summary>
/// <remarks>
/// <para>
/// The cosine's gradient vanishes near its top and bottom (cos near 1 or -1), which slows learning exactly on the
/// most and least similar pairs. AnglE reads each embedding as a vector of complex numbers and ranks the pairs by the
/// normalised angle difference of their complex quotient, whose gradient does not saturate there. The loss is
/// <c>log(1 + sum over (i, j) with y_i &gt; y_j of exp(s_j - s_i))</c> with <c>s_i = scale * angle_sim(u_i, v_i)</c>.
/// The embedding dimension must be even.
/// </para>
/// <list type="table">
/// <listheader><term>Texts per example</term><description>Label</description></listheader>
/// <item><term>(sentence_A, sentence_B)</term><description>float similarity score, e.g. the STSb score / 5</description></item>
/// </list>
/// <para>
/// References: Li and Li, 2024, "AoE: Angle-optimized Embeddings for Semantic Textual Similarity" (ACL 2024,
/// arXiv:2309.12871). Related: <see cref="CoSENTLoss"/>, <see cref="CosineSimilarityLoss"/>.
/// </para>
/// <example>
/// <code>
/// var examples = StsBenchmark.LoadInputExamples("data/stsb/sts-train.csv");
/// var loss = new AnglELoss(model);
/// model.Fit(trainObjectives: [(new NoDuplicatesDataLoader(examples, batchSize: 16), loss)], new FitOptions { Epochs = 1 });
/// </code>
/// </example>
/// </remarks>
/// <param name="model">The model to train.</param>
/// <param name="scale">Multiplier of the similarities (1 / temperature).</param>
public sealed class AnglELoss(SentenceTransformer model, double scale = 20.0)
    : CoSENTLoss(nameof(AnglELoss), model, scale, Similarity.PairwiseAngleSim);
