// Generated from 03-fit-api.ipynb by `notebook-twins`; edit the notebook and regenerate, not this file.
// Run from the repository root: dotnet run notebooks/03-fit-api.cs
#:property PublishAot=false
#:project ../lib/NotebookSupport/NotebookSupport.csproj

using NotebookSupport.Data;
using NotebookSupport.Data.Nli;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Plotting;
using NotebookSupport.Tokenization;
using NotebookSupport.Training;
using TorchSharp;
using static TorchSharp.torch;
using static NotebookSupport.Plotting.ConsoleDisplay;

// A notebook runs in its own folder; so does its twin, wherever `dotnet run` starts, so relative paths agree.
Directory.SetCurrentDirectory((string)AppContext.GetData("EntryPointFileDirectoryPath")!);

// # 3 · The same training with the library
//
// Notebook 2 wrote every step by hand. The library packages those steps the way sentence-transformers does, so training reads like the tutorial's second half: `InputExample`s, a `NoDuplicatesDataLoader`, a model built from `Transformer` and `Pooling` modules, `MultipleNegativesRankingLoss`, and the `Fit`.


// ## Settings
//
// As in notebook 2, the defaults train a small two-layer BERT from random weights for a short while, so the whole notebook runs in about a minute on two cores.
//
// **▶ Full experiment:** set `fullExperiment = true` for the tutorial's run: bert-base-uncased from the Hugging Face hub, one epoch over all entailment pairs with batch size 32 and 10% warm-up.

var fullExperiment = false;
var batchSize = fullExperiment ? 32 : 16;
int? stepsPerEpoch = fullExperiment ? null : 20;     // null = the whole epoch
var outputPath = fullExperiment ? "../artifacts/models/mnr-bert-base-uncased" : null;
var peakLearningRate = fullExperiment ? 2e-5 : 2e-4;
torch.manual_seed(42);

// ## `InputExample`s
//
// Training takes a list of `InputExample`s. For MNR loss each holds two texts, (anchor, positive), and no label: the labels 0..n-1 are made per batch inside the loss.

var examples = NliTrainingData.LoadPairs(fullExperiment).Examples;
display(examples[0]);

// ## Why a `NoDuplicatesDataLoader`
//
// MNR loss treats every *other* positive in the batch as a negative. If the same sentence appeared twice in one batch — say as the positive of pair 1 and of pair 7 — the loss would tell the model that anchor 1 must *not* match positive 7, although they are the same text. With NLI data this is rare (though premises do repeat: each has several hypotheses), but it is cheap to rule out: this loader never puts a text into a batch that already contains it. Here is a tiny case where a plain loader of batch size 2 would pair up the two identical premises:

var tiny = new List<InputExample>
{
    new("A dog runs in the park.", "An animal is outside."),
    new("A dog runs in the park.", "A dog is moving."),
    new("Two men play chess.", "People are playing a game."),
    new("A woman reads a book.", "Someone is reading."),
};
display(new NoDuplicatesDataLoader(tiny, batchSize: 2).Batches(0)
    .Select(batch => string.Join("  |  ", batch.Select(e => e.Texts[0]))));

var loader = new NoDuplicatesDataLoader(examples, batchSize);
display($"{examples.Count:N0} pairs -> {loader.Count:N0} batches of {batchSize}");

// ## A model from modules
//
// A sentence transformer is a pipeline of modules: a `Transformer` (BERT and its tokenizer) producing one vector per token, then a `Pooling` module that turns those into one vector per sentence. Pooling needs the width of the token vectors (`HiddenSize`: 768 for bert-base, 384 here) and a mode:
//
// | mode | sentence vector |
// |---|---|
// | `Cls` | the vector of the first token, `[CLS]` |
// | `Max` | the largest value of each dimension over the real tokens |
// | `Mean` | the average of the real tokens — the tutorial's choice and sentence-transformers' default |
// | `MeanSqrtLen` | the sum of the real tokens divided by the square root of their number, so longer sentences get somewhat longer vectors |

var transformer = fullExperiment
    ? SentenceTransformer.Load("bert-base-uncased").Transformer
    : new Transformer(
        new BertModel(BundledMiniLm.Config with { NumHiddenLayers = 2 }),
        BertWordPieceTokenizer.FromVocabStream(BundledMiniLm.OpenVocab(), "all-MiniLM-L6-v2 vocab.txt"),
        maxSeqLength: 128);
var pooling = new Pooling(transformer.Config.HiddenSize, PoolingMode.Mean);
var model = new SentenceTransformer(transformer, pooling);
display(pooling.Config);

// ## The loss
//
// `MultipleNegativesRankingLoss` only needs the model: it encodes anchors and positives with it, builds the scaled similarity matrix and applies cross-entropy against 0..n-1 — exactly the `MnrLoss` function of notebook 2.

var loss = new MultipleNegativesRankingLoss(model, scale: 20.0);
display($"scale {loss.Scale}, similarity {loss.SimilarityFunction}");

// ## Training with `Fit`
//
// `Fit` takes a list of (data loader, loss) objectives — one here — and runs the loop of notebook 2: AdamW, linear warm-up over the first 10% of the steps, gradient clipping, one dispose scope per step. As in the tutorial the warm-up is 10% of the number of batches. The settings are the properties of a `FitOptions`, named after the arguments of sentence-transformers' `fit` (`epochs`, `warmup_steps`, `show_progress_bar`, ...). The status line below updates in place; `ShowProgressBar = false` turns off the console bar, which a notebook would print as a wall of lines. With `OutputPath` set (full experiment) the trained model is saved in sentence-transformers' folder layout.

var totalSteps = stepsPerEpoch ?? loader.Count;
var warmupSteps = (int)(0.1 * totalSteps);
var status = display("training...");
var result = model.Fit(
    trainObjectives: [(loader, loss)],
    new FitOptions
    {
        Epochs = 1,
        StepsPerEpoch = stepsPerEpoch,
        WarmupSteps = warmupSteps,
        LearningRate = peakLearningRate,
        OutputPath = outputPath,
        ShowProgressBar = false,
        Progress = new InlineProgress<TrainingProgress>(p =>
            status.Update(ProgressText.Bar("training", p.Step, p.TotalSteps, $"loss {p.Loss:0.000}"))),
    });
display(LinePlot.Create(
    result.Losses.Select(l => (double)l.Step).ToList(),
    result.Losses.Select(l => l.Loss).ToList(),
    new LinePlotOptions { Title = "MultipleNegativesRankingLoss per step" }));

// ## Use it
//
// The trained model encodes sentences like any other; notebook 4 shows how to judge how good the embeddings are.

var embeddings = model.Encode(["A dog runs in the park.", "An animal is outside.", "Two men play chess."], normalizeEmbeddings: true);
display($"{embeddings.Length} embeddings of {embeddings[0].Length} dimensions");
