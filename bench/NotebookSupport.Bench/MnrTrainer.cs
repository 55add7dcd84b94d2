using System.Diagnostics;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using NotebookSupport.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Bench;

/// <summary>
/// The training step sentence-transformers' <c>fit()</c> runs with MultipleNegativesRankingLoss, in the steps the
/// PyTorch reference times: zero the gradients; forward the anchors and the positives (each side padded on its own);
/// mean pooling and L2 normalisation (in the model); the library's <see cref="MultipleNegativesRankingLoss"/> on the
/// embeddings (20 x cosine similarity, cross-entropy against 0..B-1); backward; AdamW (lr 2e-5, weight decay 0.01
/// except biases and LayerNorm), optionally with a linear warm-up/decay schedule and gradient clipping as
/// <c>fit()</c> uses. The loss, the optimizer, its parameter groups and the schedule are the library's, as <c>Fit</c>
/// builds them.
/// </summary>
internal sealed class MnrTrainer : IDisposable
{
    private readonly SentenceTransformer _model;
    private readonly MultipleNegativesRankingLoss _loss;
    private readonly OptimizerHelper _optimizer;
    private readonly LinearScheduleWithWarmup? _schedule;
    private readonly Parameter[] _parameters;
    private readonly double _maxGradNorm;

    /// <param name="model">The model to train.</param>
    /// <param name="lr">Peak learning rate.</param>
    /// <param name="totalSteps">With a positive value: linear warm-up over <paramref name="warmupRatio"/> of the steps, then linear decay to 0 (fit()'s WarmupLinear); otherwise a constant rate.</param>
    /// <param name="warmupRatio">Share of the steps spent warming up.</param>
    /// <param name="maxGradNorm">Clip the gradient norm to this (0 = no clipping).</param>
    /// <param name="fused">The library's <see cref="FusedAdamW"/> (default) or TorchSharp's <c>optim.AdamW</c>: the same update.</param>
    public MnrTrainer(SentenceTransformer model, double lr = 2e-5, int totalSteps = 0, double warmupRatio = 0.1, double maxGradNorm = 0, bool fused = true)
    {
        this._model = model;
        _loss = new MultipleNegativesRankingLoss(model, scale: 20.0);
        this._maxGradNorm = maxGradNorm;
        int warmupSteps = (int)Math.Ceiling(totalSteps * warmupRatio);
        _parameters = model.parameters().ToArray();
        _optimizer = OptimizerFactory.AdamW(model.named_parameters(), lr, weightDecay: 0.01, kind: fused ? OptimizerKind.FusedAdamW : OptimizerKind.TorchAdamW);
        if (totalSteps > 0)
        {
            _schedule = new LinearScheduleWithWarmup(_optimizer, warmupSteps, totalSteps);
        }
    }

    /// <summary>Loss and where the time went, in seconds.</summary>
    public readonly record struct StepTimes(double Loss, double Total, double Forward, double Backward, double Optimizer);

    /// <summary>One plain MNR step on a batch of pairs.</summary>
    public StepTimes Step(TokenizedBatch anchors, TokenizedBatch positives)
    {
        using var scope = NewDisposeScope();
        long t0 = Stopwatch.GetTimestamp();
        _optimizer.zero_grad();
        var embeddings = _model.Forward([anchors, positives]);
        var value = _loss.CalculateLoss(embeddings[0], embeddings[1]);
        long t1 = Stopwatch.GetTimestamp();
        value.backward();
        long t2 = Stopwatch.GetTimestamp();
        Update();
        long t3 = Stopwatch.GetTimestamp();
        return Times(value.item<float>(), t0, t1, t2, t3);
    }

    private void Update()
    {
        if (_maxGradNorm > 0)
        {
            GradientClipping.ClipGradNorm(_parameters, _maxGradNorm);
        }

        _optimizer.step();
        _schedule?.Step();
    }

    private static StepTimes Times(double loss, long t0, long t1, long t2, long t3) =>
        new(loss, Seconds(t0, t3), Seconds(t0, t1), Seconds(t1, t2), Seconds(t2, t3));

    private static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;

    public void Dispose()
    {
        _optimizer.Dispose();
        _loss.Dispose();  // the model is not the loss's child module, so it stays
    }
}
