// Generated from 03-fit-api.ipynb by `notebook-twins`; edit the notebook and regenerate, not this file.
// Run from the repository root: dotnet run notebooks/03-fit-api.cs
#:property PublishAot=false
#:project ../lib/NotebookSupport/NotebookSupport.csproj

using System.IO;
using NotebookSupport.Data;
using NotebookSupport.Data.Nli;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Plotting;
using NotebookSupport.Training;
using TorchSharp;
using static TorchSharp.torch;
using static NotebookSupport.Plotting.ConsoleDisplay;

// A notebook runs in its own folder; so does its twin, wherever `dotnet run` starts, so relative paths agree.
Directory.SetCurrentDirectory((string)AppContext.GetData("EntryPointFileDirectoryPath")!);

// # 3 · The same training with the library
//
// Notebook 2 wrote every step by hand. The library packages those steps the way sentence-transformers does, so training reads like the tutorial's second half: `InputExample`s, a `NoDuplicatesDataLoader`, a model built from `Transformer` and `Pooling` modules, `MultipleNegativesRankingLoss`, and the `Fit`. The trained model is saved, and notebook 4 puts it to the test.
//
// *Run time with the defaults: about two minutes on 2 cores.*


// ## Settings
//
// The video fine-tunes bert-base-uncased: a BERT that knows words, from its masked-language-model pre-training, but was never trained to embed sentences. The defaults here train its miniature, `minilm-2l`: the pretrained embedding layer of the bundled all-MiniLM-L6-v2 (its word vectors, 384 wide) under two new, randomly initialised transformer layers. It knows words, not sentences. Notebook 2 trained BERT-Tiny, which is random throughout and knows no words at all; such a model can learn only the words of its 6,697 training pairs, too few for the sentences notebook 4 tests it on.
//
// The run is one epoch over the entailment pairs of the bundled SNLI dev and test splits (6,697 pairs) in batches of 32, with the larger learning rate new layers need (2e-4).
//
// The trained model goes into `notebooks/artifacts/03-fit-api/`, a folder this notebook owns. The default run saves to `minilm-2l-mnr/` there and replaces the model it saved before (`overwrite: true` below), so the notebook can be run again; a full run gets a new folder named after its start time, so hours of training are never overwritten.
//
// **▶ Full experiment:** set `fullExperiment = true` for the tutorial's run: bert-base-uncased from the Hugging Face hub, one epoch over all entailment pairs with batch size 32, learning rate 2e-5 and 10% warm-up. The number of steps is the loader's batch count either way.

var fullExperiment = false;
var batchSize = 32;
var peakLearningRate = fullExperiment ? 2e-5 : 2e-4;
var outputPath = fullExperiment
    ? $"artifacts/03-fit-api/bert-base-uncased-mnr-{DateTime.UtcNow:yyyyMMdd-HHmmss}"
    : "artifacts/03-fit-api/minilm-2l-mnr";
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
// A sentence transformer is a pipeline of modules: a `Transformer` (BERT and its tokenizer) producing one vector per token, then a `Pooling` module that turns those into one vector per sentence. Pooling needs the width of the token vectors (`HiddenSize`: 768 for bert-base, 384 for `minilm-2l`) and a mode:
//
// | mode | sentence vector |
// |---|---|
// | `Cls` | the vector of the first token, `[CLS]` |
// | `Max` | the largest value of each dimension over the real tokens |
// | `Mean` | the average of the real tokens — the tutorial's choice and sentence-transformers' default |
// | `MeanSqrtLen` | the sum of the real tokens divided by the square root of their number, so longer sentences get somewhat longer vectors |

var transformer = fullExperiment
    ? SentenceTransformer.Load("bert-base-uncased").Transformer
    : BertMiniatures.CreateRandom("minilm-2l").Transformer;   // seeded above: the same new layers every run
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
// `Fit` takes a list of (data loader, loss) objectives — one here — and runs the loop of notebook 2: AdamW, linear warm-up over the first 10% of the steps, gradient clipping to a norm of 1, one dispose scope per step. As in the tutorial the warm-up is 10% of the number of batches, and one epoch is every batch of the loader. Before it starts, `TrainingTimeEstimate.Measure` times a few real training steps (forward and backward on batches spread over the epoch, leaving the model as it was) and multiplies by the number of steps: the estimate `st train` and `st reproduce` print too.
//
// The status line below updates in place; `showProgressBar: false` turns off the console bar, which a notebook would print as a wall of lines. `outputPath` saves the trained model in sentence-transformers' folder layout (which Python's `SentenceTransformer(folder)` loads too), with its training log and loss curve.

var options = new FitOptions
{
    Epochs = 1,
    WarmupSteps = loader.Count / 10,
    LearningRate = peakLearningRate,
    OutputPath = outputPath,
    Overwrite = !fullExperiment,
    ShowProgressBar = false,
};
display($"{loader.Count:N0} steps, {options.WarmupSteps:N0} of them warm-up; estimated training time {TrainingTimeEstimate.Measure(model, [(loader, loss)], options)}");
var status = display("training...");
var result = model.Fit(
    trainObjectives: [(loader, loss)],
    options with
    {
        Progress = new InlineProgress<TrainingProgress>(p =>
            status.Update(ProgressText.Bar("training", p.Step, p.TotalSteps, $"loss {p.Loss:0.000}" + (p.Remaining is { } left ? $", {left:h\\:mm\\:ss} left" : "")))),
    });
display(LinePlot.Create(
    result.Losses.Select(l => (double)l.Step).ToList(),
    result.Losses.Select(l => l.Loss).ToList(),
    new LinePlotOptions { Title = "MultipleNegativesRankingLoss per step" }));
display($"saved to notebooks/{outputPath}: {string.Join(", ", Directory.GetFileSystemEntries(outputPath).Select(Path.GetFileName).Order())}");

// ## Use it
//
// The trained model encodes sentences like any other. Loaded back from its folder, it gives the same embeddings as the model in memory: what notebook 4 loads is what was trained here.

string[] someSentences = ["A dog runs in the park.", "An animal is outside.", "Two men play chess."];
var embeddings = model.Encode(someSentences, normalizeEmbeddings: true);
var reloaded = SentenceTransformer.Load(outputPath).Encode(someSentences, normalizeEmbeddings: true);
var largestDifference = embeddings.Zip(reloaded, (a, b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max()).Max();
display($"{embeddings.Length} embeddings of {embeddings[0].Length} dimensions; loaded back from {outputPath}, the largest difference is {largestDifference:0.0e0}");
