using NotebookSupport.Models;

namespace NotebookSupport.Evaluation;

/// <summary>
/// An evaluator (sentence-transformers' <c>SentenceEvaluator</c>): scores a model on a fixed set of sentences.
/// <c>Fit</c> takes any of them as <c>FitOptions.Evaluator</c>, runs it after every epoch (and every
/// <c>EvaluationSteps</c>), logs its metrics and keeps the model with the best <see cref="EvaluationResult.PrimaryScore"/>.
/// </summary>
/// <remarks>
/// The evaluators: <see cref="EmbeddingSimilarityEvaluator"/> (STS correlation), <see cref="TripletEvaluator"/>
/// (triplet accuracy) and <see cref="InformationRetrievalEvaluator"/> (MRR, NDCG, recall, MAP).
/// </remarks>
public abstract class SentenceEvaluator
{
    /// <summary>Checks and keeps <paramref name="truncateDim"/>.</summary>
    /// <param name="truncateDim">Score the embeddings truncated to their first this many dimensions (see <c>MatryoshkaLoss</c>); <c>null</c> for all.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="truncateDim"/> is below 1.</exception>
    protected SentenceEvaluator(int? truncateDim)
    {
        if (truncateDim is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(truncateDim), truncateDim, "Expected at least 1, or null for all dimensions.");
        }
        TruncateDim = truncateDim;
    }

    /// <summary>Name shown in the result.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The number of leading dimensions the embeddings are truncated to before scoring (<c>Encode</c>'s
    /// <c>truncateDim</c>), or <c>null</c> for all.
    /// </summary>
    public int? TruncateDim { get; }

    /// <summary><paramref name="name"/>, followed by <c>@d</c> when the embeddings are truncated to d dimensions (<c>sts-dev@64</c>).</summary>
    protected static string NameAt(string name, int? truncateDim) => name + (truncateDim is { } d ? $"@{d}" : "");

    /// <summary>Encodes the evaluator's sentences with <paramref name="model"/> and scores them.</summary>
    /// <param name="model">The model to score.</param>
    /// <param name="progress">Receives the number of sentences encoded so far.</param>
    public abstract EvaluationResult Evaluate(SentenceTransformer model, IProgress<EncodeProgress>? progress = null);
}
