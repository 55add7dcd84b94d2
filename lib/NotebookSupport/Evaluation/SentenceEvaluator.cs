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
    /// <summary>Name shown in the result.</summary>
    public abstract string Name { get; }

    /// <summary>Encodes the evaluator's sentences with <paramref name="model"/> and scores them.</summary>
    /// <param name="model">The model to score.</param>
    /// <param name="progress">Receives the number of sentences encoded so far.</param>
    public abstract EvaluationResult Evaluate(SentenceTransformer model, IProgress<EncodeProgress>? progress = null);
}
