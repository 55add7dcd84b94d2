// Generated from 02-mnr-loss-by-hand.ipynb by `notebook-twins`; edit the notebook and regenerate, not this file.
// Run from the repository root: dotnet run notebooks/02-mnr-loss-by-hand.cs
#:property PublishAot=false
#:project ../lib/NotebookSupport/NotebookSupport.csproj

using NotebookSupport.Data;
using NotebookSupport.Data.Nli;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Plotting;
using NotebookSupport.Tokenization;
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
// 6. step the optimizer, with a learning rate that warms up over the first 10% of steps.


// ## Settings
//
// The tutorial starts from `bert-base-uncased`, a BERT that has never been trained to produce sentence embeddings, so its MNR loss starts high and falls. To see that fall in about a minute on two cores, the defaults train a *small* BERT from scratch instead: two layers shaped like all-MiniLM-L6-v2's, random weights, its vocabulary, and a higher learning rate, for 30 steps on entailment pairs from the bundled SNLI dev split. (The bundled all-MiniLM-L6-v2 itself would be a poor demo: it was trained with this very loss, and its loss starts near zero.)
//
// **▶ Full experiment:** set `fullExperiment = true` to start from `bert-base-uncased` (downloaded from the Hugging Face hub) with the tutorial's batch size of 32, learning rate 2e-5 and many more steps — hours on a CPU, minutes on a GPU.

var fullExperiment = false;
var batchSize = fullExperiment ? 32 : 16;
var steps = fullExperiment ? 10_000 : 30;
var scale = 20.0;          // 1 / temperature: sharpens the softmax over similarities
var peakLearningRate = fullExperiment ? 2e-5 : 2e-4;
torch.manual_seed(42);

// ## Anchor–positive pairs
//
// As in notebook 1: keep the entailment rows, premise = anchor, hypothesis = positive.

var pairs = NliTrainingData.LoadPairs(fullExperiment).Examples.Take(batchSize * steps).ToList();
display($"{pairs.Count} pairs, e.g. \"{pairs[0].Texts[0]}\" => \"{pairs[0].Texts[1]}\"");

// ## One model
//
// A `Transformer` module is BERT plus its tokenizer. We only need that: the pooling we write ourselves below. With the full experiment, `SentenceTransformer.Load` fetches bert-base-uncased and we take its transformer.

var bert = fullExperiment
    ? SentenceTransformer.Load("bert-base-uncased").Transformer
    : new Transformer(
        new BertModel(BundledMiniLm.Config with { NumHiddenLayers = 2 }),
        BertWordPieceTokenizer.FromVocabStream(BundledMiniLm.OpenVocab(), "all-MiniLM-L6-v2 vocab.txt"),
        maxSeqLength: 128);
display($"{bert.Config.NumHiddenLayers} layers, hidden size {bert.Config.HiddenSize}");

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
Tensor Embed(IReadOnlyList<string> texts) => MeanPooling(bert.Forward(bert.Tokenize(texts)), bert.Tokenize(texts).ToTensors().AttentionMask);
var tokenEmbeddings = bert.Forward(anchorTokens);
var sentenceEmbeddings = MeanPooling(tokenEmbeddings, attentionMask);
display($"token embeddings {string.Join('x', tokenEmbeddings.shape)} -> sentence embeddings {string.Join('x', sentenceEmbeddings.shape)}");

// ## The loss for one batch
//
// Compare every anchor with every positive: a matrix of cosine similarities whose diagonal holds the true pairs. Scaled, each row is a set of logits over the batch's positives, and the right answer for row *i* is column *i* — so the labels are simply `0, 1, ..., n-1`. Cross-entropy then pushes each true pair up and every other positive in the batch (the *multiple negatives*) down.

Tensor MnrLoss(IReadOnlyList<InputExample> batch)
{
    var anchors = Embed(batch.Select(p => p.Texts[0]).ToList());
    var positives = Embed(batch.Select(p => p.Texts[1]).ToList());
    var scores = nn.functional.normalize(anchors, dim: 1).matmul(nn.functional.normalize(positives, dim: 1).T) * scale;
    var labels = arange(batch.Count, dtype: ScalarType.Int64);                // 0, 1, ..., n-1
    return nn.functional.cross_entropy(scores, labels);
}
float lossBefore;
using (no_grad())
{
    lossBefore = MnrLoss(pairs.Take(batchSize).ToList()).item<float>();
}
display($"loss on the first batch before training: {lossBefore:0.000}");

// ## The training loop
//
// AdamW at the peak learning rate, with the learning rate rising linearly over the first 10% of the steps and falling linearly after (transformers' `get_linear_schedule_with_warmup`). One dispose scope per step frees the step's tensors. The line below updates in place as training runs.

var optimizer = OptimizerFactory.AdamW(bert.named_parameters(), peakLearningRate);
var schedule = new LinearScheduleWithWarmup(optimizer, warmupSteps: (int)(0.1 * steps), totalSteps: steps);
var losses = new List<double>();
var status = display("training...");
bert.train();
foreach (var batch in pairs.Chunk(batchSize))
{
    using var scope = NewDisposeScope();
    var loss = MnrLoss(batch);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    schedule.Step();
    losses.Add(loss.item<float>());
    status.Update(ProgressText.Bar("training", losses.Count, steps, $"loss {losses[^1]:0.000} lr {schedule.LearningRate:0.0e0}"));
}
bert.eval();

display(LinePlot.Create(losses, new LinePlotOptions { Title = "MNR loss per step" }));

// The loss falls as the model learns to pick each anchor's own positive out of the batch. Notebook 3 does the same with the library's `MultipleNegativesRankingLoss` and `Fit`, in a few lines.
