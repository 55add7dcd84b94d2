// Generated from 04-heatmap-evaluation.ipynb by `notebook-twins`; edit the notebook and regenerate, not this file.
// Run from the repository root: dotnet run notebooks/04-heatmap-evaluation.cs
#:property PublishAot=false
#:project ../lib/NotebookSupport/NotebookSupport.csproj

using System.IO;
using NotebookSupport.Evaluation;
using NotebookSupport.Models;
using NotebookSupport.Plotting;
using NotebookSupport.Data;
using NotebookSupport.Data.Nli;
using NotebookSupport.Losses;
using NotebookSupport.Training;
using NotebookSupport.Util;
using TorchSharp;
using static NotebookSupport.Plotting.ConsoleDisplay;

// A notebook runs in its own folder; so does its twin, wherever `dotnet run` starts, so relative paths agree.
Directory.SetCurrentDirectory((string)AppContext.GetData("EntryPointFileDirectoryPath")!);

// # 4 · Does it work? A similarity heatmap and the STS benchmark
//
// A sentence transformer is good when sentences that mean the same thing land close together, even when they share no words. This notebook checks that two ways: by eye, with a heatmap of cosine similarities between a handful of sentences, and by number, with the Spearman correlation on the STS benchmark.


// ## Settings
//
// By default we look at **all-MiniLM-L6-v2**, the sentence transformer bundled with the library (trained with MNR loss on about a billion pairs), and score it on the STS benchmark's test split (1,379 pairs).
//
// **▶ Full experiment:** point `modelPath` at the folder that notebook 3 saved after training on the full data, to see your own model here.

var modelPath = "bundled:all-MiniLM-L6-v2";
var model = SentenceTransformer.Load(modelPath);
display($"{model.EmbeddingDimension}-dimensional embeddings, max {model.MaxSeqLength} tokens");

// ## Ten sentences, three hidden pairs
//
// As in the video, the list hides three pairs of sentences that say the same thing **without sharing a single word** — noodles knitted or spaghetti woven, dentists buying building supplies, raw fish with rice — among unrelated ones. A bag-of-words model would see no link between them at all.

var sentences = File.ReadAllLines("../data/heatmap/sentences.txt");
display(sentences.Select((s, i) => $"{i}: {s}"));

// Encode them into normalised embeddings and compare every sentence with every other one. With unit-length vectors the cosine similarity is just a dot product.

var embeddings = model.Encode(sentences, normalizeEmbeddings: true);
var similarities = Similarity.CosSim(embeddings, embeddings);
var heatmap = Heatmap.Create(similarities, sentences, new HeatmapOptions { Title = "Cosine similarity, all-MiniLM-L6-v2" });
display(heatmap);

// The diagonal is 1 (every sentence is identical to itself). Off the diagonal, three cells on each side stand out: (1, 9), (3, 4) and (5, 7) — the hidden pairs. Everything else stays low. The heatmap is plain SVG, so it renders offline, in VS Code, on GitHub and in the executed copies; `heatmap.Save("heatmap.png")` writes a PNG, and the CLI does the same: `st heatmap --sentences data/heatmap/sentences.txt --output heatmap.png`.
//
// *Why not Plotly?* Plotly.NET.Interactive 6.0.0 needs FSharp.Core 10.1, while the last released .NET Interactive kernel (1.0.712001, deprecated in 2026) ships FSharp.Core 10.0, so the extension fails to load in the kernel users actually have. Self-contained SVG has no such dependency.
//
// Let's check each row's best match, by number:

display(Enumerable.Range(0, sentences.Length).Select(i =>
{
    var best = Enumerable.Range(0, sentences.Length).Where(j => j != i).MaxBy(j => similarities[i][j]);
    return $"{i} -> {best} ({similarities[i][best]:0.00}): {sentences[best]}";
}));

// ## The STS benchmark
//
// The STS benchmark scores sentence pairs by hand from 0 (unrelated) to 5 (same meaning). A good model's cosine similarities rank the pairs in the same order as the human scores; the Spearman rank correlation (×100) measures that.

var stsTest = EmbeddingSimilarityEvaluator.FromStsFile("../data/stsb/sts-test.csv");
var status = display("evaluating...");
var before = stsTest.Evaluate(model);
status.Update(before.ToString());

// The bundled model scores 82.03, the published figure for all-MiniLM-L6-v2: our tokenizer, encoder and pooling reproduce the original to five decimals.
//
// ## Before and after training
//
// all-MiniLM-L6-v2 has already been trained with MNR loss on about a billion pairs, so one more epoch on our 6,697 SNLI pairs barely moves it (the `reproduce` command shows that). To see what the loss itself buys, start from a BERT with **random** weights — one layer, width 64, the same vocabulary — score it, train it for 200 steps of MNR on the SNLI entailment pairs, and score it again. A random encoder already ranks some pairs right through shared words; training teaches it which different words mean the same.

torch.manual_seed(1);
var small = BertMiniatures.CreateRandom(
    BertMiniatures.Config("bert-tiny") with { HiddenSize = 64, NumHiddenLayers = 1, NumAttentionHeads = 1, IntermediateSize = 256 },
    maxSeqLength: 32);
var untrained = stsTest.Evaluate(small);
display(untrained.ToString());

// Train it exactly as notebook 3 does — (anchor, positive) pairs, the no-duplicates loader with batch 32, MNR loss with scale 20 — only with a larger learning rate, because the weights start from nothing.

var pairs = NliTrainingData.LoadPairs(fullExperiment: false).Examples;   // the bundled pairs: 200 steps use 6,400 of them
var training = display("training...");
small.Fit(
    trainObjectives: [(new NoDuplicatesDataLoader(pairs, batchSize: 32), new MultipleNegativesRankingLoss(small))],
    new FitOptions
    {
        StepsPerEpoch = 200,
        LearningRate = 2e-3,
        ShowProgressBar = false,
        Progress = new InlineProgress<TrainingProgress>(p =>
            training.Update(ProgressText.Bar("training", p.Step, p.TotalSteps, $"loss {p.Loss:0.000}"))),
    });
var trained = stsTest.Evaluate(small);
display($"STSb test Spearman: {untrained.SpearmanCosine:F2} untrained, {trained.SpearmanCosine:F2} after 200 steps of MNR (all-MiniLM-L6-v2: {before.SpearmanCosine:F2})");

// About ten points from two hundred batches of a one-layer model (the exact figure depends on the seed). The video's full run — bert-base-uncased, one epoch over the 314k SNLI + MultiNLI pairs — is notebook 3's full-experiment cell; point `modelPath` at its output folder in the settings cell above to draw its heatmap and score it here.
