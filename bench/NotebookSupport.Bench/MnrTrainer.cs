using System.Diagnostics;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Bench;

/// <summary>
/// The training step sentence-transformers' <c>fit()</c> runs with MultipleNegativesRankingLoss, written out as the
/// PyTorch reference does it: zero the gradients; forward the anchors and the positives (each side padded on its
/// own); mean pooling and L2 normalisation (in the model); scores = 20 x cosine similarity; cross-entropy against
/// 0..B-1; backward; AdamW (lr 2e-5, weight decay 0.01 except biases and LayerNorm), optionally with a linear
/// warm-up/decay schedule and gradient clipping as <c>fit()</c> uses. <see cref="CachedStep"/> is the GradCache
/// variant (CachedMultipleNegativesRankingLoss) for large batches in bounded memory.
/// </summary>
internal sealed class MnrTrainer : IDisposable
{
    private const double Scale = 20.0;
    private readonly SentenceTransformer model;
    private readonly optim.Optimizer optimizer;
    private readonly optim.lr_scheduler.LRScheduler? scheduler;
    private readonly Parameter[] parameters;
    private readonly double maxGradNorm;

    public MnrTrainer(SentenceTransformer model, double lr = 2e-5, int totalSteps = 0, double warmupRatio = 0.1, double maxGradNorm = 0)
    {
        this.model = model;
        this.maxGradNorm = maxGradNorm;
        var named = model.named_parameters().ToList();
        parameters = named.Select(p => p.parameter).ToArray();
        static bool NoDecay(string name) => name.EndsWith(".bias", StringComparison.Ordinal) || name.Contains("LayerNorm.", StringComparison.Ordinal);
        var groups = new[]
        {
            new AdamW.ParamGroup(named.Where(p => !NoDecay(p.name)).Select(p => p.parameter), lr, 0.9, 0.999, 1e-8, 0.01, false, false),
            new AdamW.ParamGroup(named.Where(p => NoDecay(p.name)).Select(p => p.parameter), lr, 0.9, 0.999, 1e-8, 0.0, false, false),
        };
        optimizer = optim.AdamW(groups, lr);
        if (totalSteps > 0)
        {
            int warmup = (int)Math.Ceiling(totalSteps * warmupRatio);
            scheduler = optim.lr_scheduler.LambdaLR(optimizer, step =>
                step < warmup ? (double)step / Math.Max(1, warmup) : Math.Max(0.0, (double)(totalSteps - step) / Math.Max(1, totalSteps - warmup)));
        }
    }

    /// <summary>Loss and where the time went, in seconds.</summary>
    public readonly record struct StepTimes(double Loss, double Total, double Forward, double Backward, double Optimizer);

    /// <summary>One plain MNR step on a batch of pairs.</summary>
    public StepTimes Step(TokenizedBatch anchors, TokenizedBatch positives)
    {
        using var scope = NewDisposeScope();
        long t0 = Stopwatch.GetTimestamp();
        optimizer.zero_grad();
        var a = model.Forward(anchors);
        var p = model.Forward(positives);
        var loss = Loss(a, p);
        long t1 = Stopwatch.GetTimestamp();
        loss.backward();
        long t2 = Stopwatch.GetTimestamp();
        Update();
        long t3 = Stopwatch.GetTimestamp();
        return Times(loss.item<float>(), t0, t1, t2, t3);
    }

    /// <summary>
    /// One GradCache step: embed every mini-batch without a graph, compute the loss and the gradients of the
    /// embeddings on the full batch, then re-embed each mini-batch with a graph (same dropout masks, by replaying the
    /// random state) and back-propagate its slice of the embedding gradients. Same loss and gradients as
    /// <see cref="Step"/>; activation memory of one mini-batch instead of the whole batch.
    /// </summary>
    public StepTimes CachedStep(IReadOnlyList<TokenizedBatch> anchorChunks, IReadOnlyList<TokenizedBatch> positiveChunks)
    {
        using var scope = NewDisposeScope();
        long t0 = Stopwatch.GetTimestamp();
        optimizer.zero_grad();
        var chunks = anchorChunks.Concat(positiveChunks).ToArray();
        var states = new Tensor[chunks.Length];
        var embeddings = new Tensor[chunks.Length];
        using (no_grad())
        {
            for (int i = 0; i < chunks.Length; i++)
            {
                states[i] = random.get_rng_state();
                embeddings[i] = model.Forward(chunks[i]);
            }
        }
        var afterState = random.get_rng_state();
        var a = cat(embeddings[..anchorChunks.Count], 0).requires_grad_();
        var p = cat(embeddings[anchorChunks.Count..], 0).requires_grad_();
        var loss = Loss(a, p);
        long t1 = Stopwatch.GetTimestamp();
        loss.backward();
        var gradients = torch.split(a.grad!, anchorChunks.Select(c => (long)c.BatchSize).ToArray())
            .Concat(torch.split(p.grad!, positiveChunks.Select(c => (long)c.BatchSize).ToArray())).ToArray();
        for (int i = 0; i < chunks.Length; i++)
        {
            using var chunkScope = NewDisposeScope();
            random.set_rng_state(states[i]);
            var e = model.Forward(chunks[i]);
            var surrogate = (e * gradients[i]).sum();
            surrogate.backward();
        }
        random.set_rng_state(afterState);
        long t2 = Stopwatch.GetTimestamp();
        Update();
        long t3 = Stopwatch.GetTimestamp();
        return Times(loss.item<float>(), t0, t1, t2, t3);
    }

    /// <summary>cross_entropy(20 * cos(a_i, p_j), i).</summary>
    public static Tensor Loss(Tensor anchors, Tensor positives)
    {
        var an = nn.functional.normalize(anchors, p: 2, dim: 1);
        var pn = nn.functional.normalize(positives, p: 2, dim: 1);
        var scores = an.mm(pn.t()) * Scale;
        var labels = arange(scores.shape[0], dtype: ScalarType.Int64);
        return nn.functional.cross_entropy(scores, labels);
    }

    private void Update()
    {
        if (maxGradNorm > 0) nn.utils.clip_grad_norm_(parameters, maxGradNorm);
        optimizer.step();
        scheduler?.step();
    }

    private static StepTimes Times(double loss, long t0, long t1, long t2, long t3) =>
        new(loss, Seconds(t0, t3), Seconds(t0, t1), Seconds(t1, t2), Seconds(t2, t3));

    private static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;

    public void Dispose()
    {
        optimizer.Dispose();
    }
}
