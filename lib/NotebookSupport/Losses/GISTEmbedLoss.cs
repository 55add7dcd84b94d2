using NotebookSupport.Data;
using NotebookSupport.Models;
using NotebookSupport.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Losses;

/// <summary>
/// GISTEmbed loss: <see cref="MultipleNegativesRankingLoss"/> with a frozen guide model that removes likely false
/// negatives. Any in-batch candidate the guide finds at least as similar to an anchor as the anchor's own positive is
/// left out of that anchor's softmax.
/// </summary>
/// <remarks>
/// <para>
/// In a batch of NLI pairs, another example's positive is sometimes a fine match for this anchor too ("A man is
/// outside" for two different outdoor premises). MNR then pushes a correct match away. GISTEmbed asks a guide model,
/// which is not trained, to score each anchor against the candidates: the anchor-positive, anchor-anchor,
/// positive-positive and anchor-negative blocks of cosine similarities, as in the paper. A candidate the guide scores
/// above the guide's anchor-positive score (minus <see cref="Margin"/>, see <see cref="MarginStrategy"/>) gets the
/// score <c>-inf</c> before the cross-entropy; the anchor's own positive is never masked. The scores are cosines
/// divided by <see cref="Temperature"/>.
/// </para>
/// <list type="table">
/// <listheader><term>Texts per example</term><description>Meaning</description></listheader>
/// <item><term>(anchor, positive)</term><description>pairs</description></item>
/// <item><term>(anchor, positive, negative_1, ..., negative_n)</term><description>with n hard negatives</description></item>
/// </list>
/// <para>
/// The guide is encoded without gradients and in eval mode, and it is not among the loss's parameters. A good guide is
/// a model that already embeds sentences well, such as the bundled all-MiniLM-L6-v2
/// (<c>SentenceTransformer.Load("bundled:all-MiniLM-L6-v2")</c>); it may have its own tokenizer. Each training step
/// costs one extra forward pass of the guide. Use <see cref="NoDuplicatesDataLoader"/> as with MNR.
/// </para>
/// <para>
/// Reference: Solatorio, 2024, "GISTEmbed: Guided In-sample Selection of Training Negatives for Text Embedding
/// Fine-tuning" (arXiv:2402.16829). Related: <see cref="MultipleNegativesRankingLoss"/>, <see cref="CachedGISTEmbedLoss"/>
/// (the same loss over batches larger than memory allows), <see cref="MatryoshkaLoss"/>.
/// </para>
/// <example>
/// <code>
/// var guide = SentenceTransformer.Load("bundled:all-MiniLM-L6-v2");
/// var loss = new GISTEmbedLoss(model, guide);
/// model.Fit(trainObjectives: [(new NoDuplicatesDataLoader(pairs, batchSize: 32), loss)], new FitOptions { Epochs = 1 });
/// </code>
/// </example>
/// </remarks>
public class GISTEmbedLoss : EmbeddingLoss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="model">The model to train.</param>
    /// <param name="guide">The frozen model that picks out false negatives; not <paramref name="model"/> itself.</param>
    /// <param name="temperature">Divisor of the cosine similarities (1 / scale); 0.01 as sentence-transformers.</param>
    /// <param name="marginStrategy">How <paramref name="margin"/> lowers the guide's threshold.</param>
    /// <param name="margin">0 masks only candidates the guide scores above the positive.</param>
    /// <param name="contrastAnchors">Include the anchor-anchor block (the other anchors as negatives), as the paper.</param>
    /// <param name="contrastPositives">Include the positive-positive block, as the paper.</param>
    public GISTEmbedLoss(SentenceTransformer model, SentenceTransformer guide, double temperature = 0.01,
        GistMarginStrategy marginStrategy = GistMarginStrategy.Absolute, double margin = 0.0,
        bool contrastAnchors = true, bool contrastPositives = true)
        : this(nameof(GISTEmbedLoss), model, guide, temperature, marginStrategy, margin, contrastAnchors, contrastPositives)
    {
    }

    /// <summary>Creates the loss under the module name <paramref name="name"/> (a derived loss's); see the public constructor.</summary>
    protected GISTEmbedLoss(string name, SentenceTransformer model, SentenceTransformer guide, double temperature,
        GistMarginStrategy marginStrategy, double margin, bool contrastAnchors, bool contrastPositives)
        : base(name, model)
    {
        ArgumentNullException.ThrowIfNull(guide);
        if (ReferenceEquals(guide, model))
        {
            throw new ArgumentException("The guide must be a separate, frozen model; load a second copy to guide a model with its own weights.", nameof(guide));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(temperature);
        if (!Enum.IsDefined(marginStrategy))
        {
            throw new ArgumentOutOfRangeException(nameof(marginStrategy), marginStrategy, "Expected Absolute or Relative.");
        }
        if (!double.IsFinite(margin))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "Expected a finite margin.");
        }
        Guide = guide;
        Guide.eval();
        Temperature = temperature;
        MarginStrategy = marginStrategy;
        Margin = margin;
        ContrastAnchors = contrastAnchors;
        ContrastPositives = contrastPositives;
    }

    /// <summary>The frozen model whose similarities decide which candidates are false negatives.</summary>
    public SentenceTransformer Guide { get; }

    /// <summary>Divisor of the cosine similarities (1 / scale).</summary>
    public double Temperature { get; }

    /// <summary>How <see cref="Margin"/> lowers the guide's threshold.</summary>
    public GistMarginStrategy MarginStrategy { get; }

    /// <summary>The margin below the guide's anchor-positive score above which a candidate is masked.</summary>
    public double Margin { get; }

    /// <summary>Whether the other anchors are negatives too.</summary>
    public bool ContrastAnchors { get; }

    /// <summary>Whether the other positives are scored against each positive too.</summary>
    public bool ContrastPositives { get; }

    /// <summary>
    /// The loss from the trained model's embeddings of each column (anchors, positives, negative sets; <c>[B, D]</c>
    /// each) and the guide's embeddings of the same columns, <paramref name="targets"/> <c>[columns, B, D_guide]</c>.
    /// </summary>
    public override Tensor CalculateLoss(IReadOnlyList<Tensor> embeddings, Tensor? targets)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Count < 2 || embeddings.Any(e => e.dim() != 2 || !e.shape.SequenceEqual(embeddings[0].shape)))
        {
            throw new ArgumentException($"Expected at least the anchors' and the positives' embeddings, all [B, D] of one shape; got {string.Join(", ", embeddings.Select(e => $"[{string.Join(", ", e.shape)}]"))}.", nameof(embeddings));
        }
        var batchSize = embeddings[0].shape[0];
        if (targets is null || targets.dim() != 3 || targets.shape[0] != embeddings.Count || targets.shape[1] != batchSize)
        {
            throw new ArgumentException($"Expected the guide's embeddings [{embeddings.Count}, {batchSize}, D_guide] of the same columns; got {(targets is null ? "none" : $"[{string.Join(", ", targets.shape)}]")}.", nameof(targets));
        }
        using var scope = NewDisposeScope();
        var (anchor, positive) = (embeddings[0], embeddings[1]);
        var guides = targets.to(anchor.device).unbind(0);
        var (anchorGuide, positiveGuide) = (guides[0], guides[1]);
        var guidedPositive = Similarity.PairwiseCosSim(anchorGuide, positiveGuide).unsqueeze(1);
        using var margin = (MarginStrategy == GistMarginStrategy.Absolute ? Margin : 1 - Margin).ToScalar();
        var threshold = MarginStrategy == GistMarginStrategy.Absolute ? guidedPositive.sub(margin) : guidedPositive.mul(margin);

        var positiveMask = eye(batchSize, dtype: ScalarType.Bool, device: anchor.device);
        var blocks = new List<Tensor> { Masked(anchor, positive, anchorGuide, positiveGuide, threshold, positiveMask) };
        if (ContrastAnchors)
        {
            blocks.Add(Masked(anchor, anchor, anchorGuide, anchorGuide, threshold, keep: null));
        }
        if (ContrastPositives)
        {
            blocks.Add(Masked(positive, positive, positiveGuide, positiveGuide, threshold, keep: null));
        }
        for (var n = 2; n < embeddings.Count; n++)
        {
            blocks.Add(Masked(anchor, embeddings[n], anchorGuide, guides[n], threshold, keep: null));
        }
        using var temperature = Temperature.ToScalar();
        return InBatchCrossEntropy.Compute(cat(blocks, 1).div(temperature)).MoveToOuterDisposeScope();
    }

    /// <summary>Any number of texts from 2: anchors, positives, then each set of hard negatives.</summary>
    protected override IReadOnlyList<string>[] Columns(IReadOnlyList<InputExample> batch) => Columns(batch, minTexts: 2);

    /// <summary>The guide's embeddings of every column, <c>[columns, B, D_guide]</c>, without gradients.</summary>
    protected override Tensor? Targets(IReadOnlyList<InputExample> batch)
    {
        var columns = Columns(batch);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return stack(Guide.Forward(columns.Select(Guide.Tokenize).ToArray()), 0).MoveToOuterDisposeScope();
    }

    // The cosine block of rows against columns, with -inf where the guide scores a candidate above the row's
    // threshold, except where keep is true (the anchors' own positives).
    private static Tensor Masked(Tensor rows, Tensor columns, Tensor rowsGuide, Tensor columnsGuide, Tensor threshold, Tensor? keep)
    {
        var mask = Similarity.CosSim(rowsGuide, columnsGuide).gt(threshold);
        if (keep is not null)
        {
            mask = mask.logical_and(keep.logical_not());
        }
        using var minusInfinity = double.NegativeInfinity.ToScalar();
        return Similarity.CosSim(rows, columns).masked_fill(mask, minusInfinity);
    }
}
