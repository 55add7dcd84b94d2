using NotebookSupport.Models;

namespace NotebookSupport.Evaluation;

/// <summary>
/// Runs several evaluators one after the other (sentence-transformers' <c>SequentialEvaluator</c>), so that
/// <c>Fit</c> can score STS correlation, triplet accuracy and retrieval at once. Each metric is logged under its
/// evaluator's name (<c>sts-dev_spearman_cosine</c>, <c>snli_1.0_test_cosine_accuracy</c>); the
/// <b>first</b> evaluator's primary metric is the primary one, the one <c>SaveBestModel</c> keeps the best model by.
/// </summary>
/// <remarks>
/// <code>
/// var evaluator = new SequentialEvaluator(
///     EmbeddingSimilarityEvaluator.FromStsFile("data/stsb/sts-dev.csv"),
///     TripletEvaluator.FromNliFile("data/snli/snli_1.0_test.csv"));
/// model.Fit([(loader, loss)], new FitOptions { Evaluator = evaluator, SaveBestModel = true });   // best STSb dev
/// </code>
/// </remarks>
public sealed class SequentialEvaluator : SentenceEvaluator
{
    /// <summary>Creates an evaluator that runs <paramref name="evaluators"/> in order.</summary>
    /// <exception cref="ArgumentException">No evaluator, or two with the same name (their metrics would collide).</exception>
    public SequentialEvaluator(params IReadOnlyList<SentenceEvaluator> evaluators)
        : base(truncateDim: null)
    {
        if (evaluators.Count == 0)
        {
            throw new ArgumentException("Give at least one evaluator.", nameof(evaluators));
        }
        if (evaluators.GroupBy(e => e.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"Two evaluators are named '{twice.Key}'; their metrics would be logged under the same names.", nameof(evaluators));
        }
        Evaluators = evaluators;
    }

    /// <summary>The evaluators, in the order they run.</summary>
    public IReadOnlyList<SentenceEvaluator> Evaluators { get; }

    /// <inheritdoc />
    public override string Name => string.Join("+", Evaluators.Select(e => e.Name));

    /// <inheritdoc />
    public override SequentialResult Evaluate(SentenceTransformer model, IProgress<EncodeProgress>? progress = null) =>
        new(Name, [.. Evaluators.Select(e => e.Evaluate(model, progress))]);
}
