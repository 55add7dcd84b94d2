using System.Text.Json.Serialization;

namespace NotebookSupport.Training;

/// <summary>
/// One line of the JSON-lines training log: a training step (<c>loss</c>, <c>lr</c>) or an evaluation
/// (<c>eval_spearman</c>, <c>eval_pearson</c> for <c>EmbeddingSimilarityEvaluator</c>, <c>eval_metrics</c> for the
/// others); <c>elapsed</c> is in seconds since training began.
/// </summary>
public sealed record TrainingLogEntry
{
    /// <summary>Steps completed.</summary>
    [JsonPropertyName("step")] public int Step { get; init; }

    /// <summary>Zero-based epoch.</summary>
    [JsonPropertyName("epoch")] public int Epoch { get; init; }

    /// <summary>Training loss of the step.</summary>
    [JsonPropertyName("loss")] public double? Loss { get; init; }

    /// <summary>Learning rate of the step.</summary>
    [JsonPropertyName("lr")] public double? LearningRate { get; init; }

    /// <summary>Global L2 norm of the gradients before clipping.</summary>
    [JsonPropertyName("grad_norm")] public double? GradNorm { get; init; }

    /// <summary>Evaluator's Spearman x 100.</summary>
    [JsonPropertyName("eval_spearman")] public double? EvalSpearman { get; init; }

    /// <summary>Evaluator's Pearson x 100.</summary>
    [JsonPropertyName("eval_pearson")] public double? EvalPearson { get; init; }

    /// <summary>
    /// The metrics of an evaluator other than <c>EmbeddingSimilarityEvaluator</c>, by sentence-transformers' names
    /// (<c>cosine_accuracy</c>, <c>cosine_ndcg@10</c>...); undefined ones are left out.
    /// </summary>
    [JsonPropertyName("eval_metrics")] public IReadOnlyDictionary<string, double>? EvalMetrics { get; init; }

    /// <summary>Seconds of training so far.</summary>
    [JsonPropertyName("elapsed")] public double Elapsed { get; init; }
}
