using System.Globalization;
using NotebookSupport.Data;
using NotebookSupport.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// The classification loss of the original SBERT NLI training (and of the previous tutorial): a linear classifier on
/// <c>(u, v, |u - v|)</c> predicts the NLI label of a sentence pair, and its cross-entropy trains the encoder.
/// </summary>
/// <remarks>
/// <para>
/// Input: (sentence_A, sentence_B) pairs with an integer <see cref="InputExample.Label"/> in <c>0 .. numLabels - 1</c>
/// (NLI: 0 entailment, 1 neutral, 2 contradiction). The classifier is this loss's own parameter and is trained along
/// with the model, then thrown away: only the encoder is kept. Multiple Negatives Ranking loss usually gives better
/// sentence embeddings from the same data.
/// </para>
/// <para>
/// Reference: Reimers and Gurevych, 2019, "Sentence-BERT" (arXiv:1908.10084). Related:
/// <see cref="MultipleNegativesRankingLoss"/>.
/// </para>
/// <example>
/// <code>
/// var examples = nli.Select(r =&gt; new InputExample([r.Premise, r.Hypothesis], r.Label)).ToList();
/// var loss = new SoftmaxLoss(model, numLabels: 3);
/// model.Fit(trainObjectives: [(new NoDuplicatesDataLoader(examples, 16), loss)], new FitOptions { Epochs = 1 });
/// </code>
/// </example>
/// </remarks>
public sealed class SoftmaxLoss : SentenceTransformerLoss
{
    private readonly Linear classifier;

    /// <summary>Creates the loss and its classifier.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="numLabels">Number of classes (3 for NLI).</param>
    /// <param name="concatenationSentRep">Include u and v in the classifier's input.</param>
    /// <param name="concatenationSentDifference">Include |u - v|.</param>
    /// <param name="concatenationSentMultiplication">Include u * v.</param>
    public SoftmaxLoss(SentenceTransformer model, int numLabels = 3, bool concatenationSentRep = true, bool concatenationSentDifference = true, bool concatenationSentMultiplication = false)
        : base(nameof(SoftmaxLoss), model)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numLabels, 2);
        var parts = (concatenationSentRep ? 2 : 0) + (concatenationSentDifference ? 1 : 0) + (concatenationSentMultiplication ? 1 : 0);
        if (parts == 0)
        {
            throw new ArgumentException("At least one of the concatenation options must be true.");
        }
        NumLabels = numLabels;
        ConcatenationSentRep = concatenationSentRep;
        ConcatenationSentDifference = concatenationSentDifference;
        ConcatenationSentMultiplication = concatenationSentMultiplication;
        classifier = nn.Linear(parts * model.EmbeddingDimension, numLabels);
        register_module(nameof(classifier), classifier);
    }

    /// <summary>Number of classes.</summary>
    public int NumLabels { get; }

    /// <summary>Whether u and v are part of the classifier's input.</summary>
    public bool ConcatenationSentRep { get; }

    /// <summary>Whether |u - v| is part of the classifier's input.</summary>
    public bool ConcatenationSentDifference { get; }

    /// <summary>Whether u * v is part of the classifier's input.</summary>
    public bool ConcatenationSentMultiplication { get; }

    /// <summary>Encodes both columns and returns <see cref="CalculateLoss"/> against the examples' labels.</summary>
    public override Tensor forward(IReadOnlyList<InputExample> batch)
    {
        using var scope = NewDisposeScope();
        var columns = Columns(batch, minTexts: 2, maxTexts: 2);
        var labels = new long[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            labels[i] = batch[i].Label is { } label && double.IsInteger(label) && label >= 0 && label < NumLabels
                ? (long)label
                : throw new ArgumentException($"SoftmaxLoss needs a class label, a whole number in 0..{NumLabels - 1}, on every example; example {i} of the batch has {batch[i].Label?.ToString(CultureInfo.InvariantCulture) ?? "none"}: {batch[i]}", nameof(batch));
        }
        var embeddings = EmbedColumns(columns);
        var (u, v) = (embeddings[0], embeddings[1]);
        return CalculateLoss(u, v, tensor(labels, device: u.device)).MoveToOuterDisposeScope();
    }

    /// <summary>The classifier's logits <c>[B, numLabels]</c> for embeddings <c>u</c>, <c>v</c> (each <c>[B, D]</c>).</summary>
    public Tensor Logits(Tensor u, Tensor v)
    {
        using var scope = NewDisposeScope();
        var features = new List<Tensor>();
        if (ConcatenationSentRep)
        {
            features.Add(u);
            features.Add(v);
        }
        if (ConcatenationSentDifference)
        {
            features.Add((u - v).abs());
        }
        if (ConcatenationSentMultiplication)
        {
            features.Add(u * v);
        }
        return classifier.forward(cat(features, 1)).MoveToOuterDisposeScope();
    }

    /// <summary>Cross-entropy of <see cref="Logits"/> against <paramref name="labels"/> (<c>int64</c>, <c>[B]</c>).</summary>
    public Tensor CalculateLoss(Tensor u, Tensor v, Tensor labels)
    {
        using var scope = NewDisposeScope();
        return nn.functional.cross_entropy(Logits(u, v), labels).MoveToOuterDisposeScope();
    }
}
