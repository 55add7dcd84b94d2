// Generated from 02-mnr-loss-by-hand.ipynb by `notebook-twins`; edit the notebook and regenerate, not this file.
// Run from the repository root: dotnet run notebooks/02-mnr-loss-by-hand.cs
#:property PublishAot=false
#:project ../lib/NotebookSupport/NotebookSupport.csproj

using NotebookSupport.Data;
using NotebookSupport.Data.Nli;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Plotting;
using NotebookSupport.Training;
using TorchSharp;
using static TorchSharp.torch;
using static NotebookSupport.Plotting.ConsoleDisplay;

// A notebook runs in its own folder; so does its twin, wherever `dotnet run` starts, so relative paths agree.
Directory.SetCurrentDirectory((string)AppContext.GetData("EntryPointFileDirectoryPath")!);

// # 2 · MNR loss by hand
//
// Before using the ready-made loss, let's write the training loop out in full, the way the tutorial does in plain PyTorch — here with TorchSharp. Every step of Multiple Negatives Ranking loss is visible:
//
// 1. tokenize a batch of anchors and their positives;
// 2. run **one** model over both (a Siamese network: the same weights, used twice per step);
// 3. mean-pool the token embeddings into sentence embeddings, ignoring padding;
// 4. compare every anchor with every positive (cosine similarity), multiply by a scale;
// 5. apply cross-entropy with the labels 0, 1, ..., n-1: anchor *i* should be closest to positive *i*;
// 6. clip the gradients and step the optimizer, with a learning rate that warms up over the first 10% of steps.
//
// *Run time with the defaults: about a minute on 2 cores.*


// ## Settings
//
// The tutorial starts from `bert-base-uncased`, a BERT that has never been trained to produce sentence embeddings, so its MNR loss starts high and falls. To see that fall in about a minute on two cores, the defaults train **BERT-Tiny** from scratch instead: the smallest of Google's BERT miniatures (2 layers, width 128), with random weights and bert-base-uncased's vocabulary, for one epoch over the entailment pairs of the bundled SNLI dev split, in the tutorial's batches of 32. Random weights learn faster with bigger steps, hence a learning rate of 5e-4 instead of the tutorial's 2e-5. (The bundled all-MiniLM-L6-v2 would be a poor demo: it was trained with this very loss, and its loss starts near zero.)
//
// **▶ Full experiment:** set `fullExperiment = true` to start from `bert-base-uncased` (downloaded from the Hugging Face hub) with the tutorial's learning rate of 2e-5, one epoch over all the pairs — hours on a CPU, minutes on a GPU. The number of steps follows from the data either way: one epoch of full batches.

var fullExperiment = false;
var batchSize = 32;
var peakLearningRate = fullExperiment ? 2e-5 : 5e-4;
var scale = 20.0;          // 1 / temperature: sharpens the softmax over similarities
var maxGradNorm = 1.0;     // gradient clipping, as sentence-transformers' fit does
torch.manual_seed(42);

// ## Anchor–positive pairs
//
// As in notebook 1: keep the entailment rows, premise = anchor, hypothesis = positive. One epoch is every full batch of 32 pairs; the few pairs left over would make a smaller batch, with fewer negatives, so they wait for the next epoch.

var pairs = NliTrainingData.LoadPairs(fullExperiment).Examples;
var steps = pairs.Count / batchSize;
display($"{pairs.Count:N0} pairs -> {steps:N0} steps of {batchSize}, e.g. \"{pairs[0].Texts[0]}\" => \"{pairs[0].Texts[1]}\"");

// ## One model
//
// A `Transformer` module is BERT plus its tokenizer. We only need that: the pooling we write ourselves below. `BertMiniatures.CreateRandom` builds a sentence transformer with random weights and we take its transformer; with the full experiment, `SentenceTransformer.Load` fetches bert-base-uncased and we take its transformer.

var bert = fullExperiment
    ? SentenceTransformer.Load("bert-base-uncased").Transformer
    : BertMiniatures.CreateRandom("bert-tiny").Transformer;
display($"{bert.Config.NumHiddenLayers} layers, hidden size {bert.Config.HiddenSize}, {bert.parameters().Sum(p => p.numel()):N0} parameters");

// ## Tokenize a batch
//
// The tokenizer turns each sentence into token ids and an attention mask (1 for real tokens, 0 for padding up to the longest sentence in the batch).

var firstBatch = pairs.Take(4).ToList();
var anchorTokens = bert.Tokenize(firstBatch.Select(p => p.Texts[0]).ToList());
var (inputIds, attentionMask, _) = anchorTokens.ToTensors();
display(Enumerable.Range(0, anchorTokens.BatchSize).Select(i =>
    string.Join(" ", anchorTokens.AttentionMask.Skip(i * anchorTokens.SequenceLength).Take(anchorTokens.SequenceLength))));

// ## Mean pooling with the attention mask
//
// BERT returns one vector per token. Averaging them gives one vector per sentence — but only over the real tokens: counting the zeros of the padding would drag the average towards zero, more for short sentences than for long ones. So we multiply by the mask, sum, and divide by the number of real tokens.

Tensor MeanPooling(Tensor tokenEmbeddings, Tensor mask)
{
    var weights = mask.unsqueeze(-1).to_type(tokenEmbeddings.dtype);          // [B, L, 1]
    var summed = (tokenEmbeddings * weights).sum(1);                          // [B, H]
    var counts = weights.sum(1).clamp_min(1e-9);                              // [B, 1]
    return summed / counts;
}
Tensor Embed(IReadOnlyList<string> texts)
{
    var tokens = bert.Tokenize(texts);
    return MeanPooling(bert.Forward(tokens), tokens.ToTensors().AttentionMask);
}
var tokenEmbeddings = bert.Forward(anchorTokens);
var sentenceEmbeddings = MeanPooling(tokenEmbeddings, attentionMask);
display($"token embeddings {string.Join('x', tokenEmbeddings.shape)} -> sentence embeddings {string.Join('x', sentenceEmbeddings.shape)}");

// ## The loss for one batch
//
// Compare every anchor with every positive: a matrix of cosine similarities whose diagonal holds the true pairs. Scaled, each row is a set of logits over the batch's positives, and the right answer for row *i* is column *i* — so the labels are simply `0, 1, ..., n-1`. Cross-entropy then pushes each true pair up and every other positive in the batch (the *multiple negatives*) down. A model that cannot tell the positives apart scores ln 32 ≈ 3.47 on a batch of 32: that is where an untrained model starts.
//
// The next three batches are timed too: a training step costs about three forward passes (the backward pass about two), which gives an estimate of the training time before it starts.

Tensor MnrLoss(IReadOnlyList<InputExample> batch)
{
    var anchors = Embed(batch.Select(p => p.Texts[0]).ToList());
    var positives = Embed(batch.Select(p => p.Texts[1]).ToList());
    var scores = nn.functional.normalize(anchors, dim: 1).matmul(nn.functional.normalize(positives, dim: 1).T) * scale;
    var labels = arange(batch.Count, dtype: ScalarType.Int64);                // 0, 1, ..., n-1
    return nn.functional.cross_entropy(scores, labels);
}
float lossBefore;
var forwardSeconds = new List<double>();
using (no_grad())
{
    lossBefore = MnrLoss(pairs.Take(batchSize).ToList()).item<float>();
    foreach (var batch in pairs.Chunk(batchSize).Skip(1).Take(3))
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        MnrLoss(batch);
        forwardSeconds.Add(clock.Elapsed.TotalSeconds);
    }
}
var estimate = TimeSpan.FromSeconds(3 * forwardSeconds.Min() * steps);
display($"loss on the first batch before training: {lossBefore:0.000} (ln {batchSize} = {Math.Log(batchSize):0.000}); "
    + $"estimated training time: {estimate:h\\:mm\\:ss} for {steps:N0} steps");

// ## The training loop
//
// AdamW at the peak learning rate, with the learning rate rising linearly over the first 10% of the steps and falling linearly after (transformers' `get_linear_schedule_with_warmup`). Between `backward()` and the optimizer step, the gradients are clipped to a total norm of at most 1, as sentence-transformers' `fit` does: one unlucky batch cannot throw the weights far. One dispose scope per step frees the step's tensors. The line below updates in place as training runs.

var optimizer = OptimizerFactory.AdamW(bert.named_parameters(), peakLearningRate);
var schedule = new LinearScheduleWithWarmup(optimizer, warmupSteps: steps / 10, totalSteps: steps);
var parameters = bert.parameters().ToList();
var losses = new List<double>();
var trainingClock = System.Diagnostics.Stopwatch.StartNew();
var status = display("training...");
bert.train();
foreach (var batch in pairs.Chunk(batchSize).Take(steps))
{
    using var scope = NewDisposeScope();
    var loss = MnrLoss(batch);
    optimizer.zero_grad();
    loss.backward();
    GradientClipping.ClipGradNorm(parameters, maxGradNorm);
    optimizer.step();
    schedule.Step();
    losses.Add(loss.item<float>());
    var left = TimeSpan.FromSeconds(trainingClock.Elapsed.TotalSeconds / losses.Count * (steps - losses.Count));
    status.Update(ProgressText.Bar("training", losses.Count, steps, $"loss {losses[^1]:0.000} lr {schedule.LearningRate:0.0e0}, {left:h\\:mm\\:ss} left"));
}
bert.eval();
display($"{steps:N0} steps in {trainingClock.Elapsed:h\\:mm\\:ss} (estimated {estimate:h\\:mm\\:ss})");

display(LinePlot.Create(losses, new LinePlotOptions { Title = "MNR loss per step" }));
var fifth = Math.Max(1, losses.Count / 5);
display($"mean loss over the first 20% of the steps: {losses.Take(fifth).Average():0.000}; over the last 20%: {losses.TakeLast(fifth).Average():0.000}");
display("loss per step: " + string.Join(" ", losses.Select(l => l.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture))));

// The loss falls from about ln 32 as the model learns to pick each anchor's own positive out of the batch. It is noisy from step to step, because every batch holds different sentences; the averages over the first and last fifth of the steps show the trend. Notebook 3 does the same with the library's `MultipleNegativesRankingLoss` and `Fit`, in a few lines.
