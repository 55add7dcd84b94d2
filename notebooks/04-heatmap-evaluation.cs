// Generated from 04-heatmap-evaluation.ipynb by `notebook-twins`; edit the notebook and regenerate, not this file.
// Run from the repository root: dotnet run notebooks/04-heatmap-evaluation.cs
#:property PublishAot=false
#:project ../lib/NotebookSupport/NotebookSupport.csproj

using System.IO;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
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
// A sentence transformer is good when sentences that mean the same thing land close together, even when they share no words. This notebook puts the model notebook 3 trained next to the untrained model it started from, and checks them two ways: by eye, with heatmaps of cosine similarities between a handful of sentences, and by number, with the Spearman correlation on the STS benchmark.
//
// *Run time with the defaults: about 30 seconds on 2 cores with notebook 3's model, about two minutes when it has to train the model itself.*


// ## Settings
//
// Notebook 3 trained `minilm-2l` (all-MiniLM-L6-v2's pretrained word vectors under two new, random transformer layers) with MNR loss and saved it to `artifacts/03-fit-api/minilm-2l-mnr/`; this notebook loads it from there. The *untrained* model is its starting point, rebuilt exactly: the same word vectors and the same random layers, drawn with the same seed (42).
//
// Run on its own, before notebook 3, this notebook finds no saved model: it says so, and trains the same model here the way notebook 3 does (about a minute and a half), without saving it.
//
// **▶ Full experiment:** set `fullExperiment = true` to compare notebook 3's newest full run (bert-base-uncased after one epoch of MNR loss, in `artifacts/03-fit-api/bert-base-uncased-mnr-<time>/`) with bert-base-uncased itself, from the Hugging Face hub — the video's before and after. Run notebook 3 with `fullExperiment = true` first.

var fullExperiment = false;
var notebook3Runs = "artifacts/03-fit-api";
torch.manual_seed(42);   // notebook 3's seed: the same random layers it started from
var untrained = fullExperiment ? SentenceTransformer.Load("bert-base-uncased") : BertMiniatures.CreateRandom("minilm-2l");
var trainedPath = fullExperiment
    ? Directory.GetDirectories(Directory.CreateDirectory(notebook3Runs).FullName, "bert-base-uncased-mnr-*").Order(StringComparer.Ordinal).LastOrDefault()
    : Path.Combine(notebook3Runs, "minilm-2l-mnr");
display($"untrained: {untrained.Transformer.Config.NumHiddenLayers} layers, width {untrained.Transformer.Config.HiddenSize}");

// Now the trained model: notebook 3's, if it is there.

SentenceTransformer trained;
if (trainedPath is not null && File.Exists(Path.Combine(trainedPath, "modules.json")))
{
    trained = SentenceTransformer.Load(trainedPath);
    display($"trained: notebook 3's model, loaded from notebooks/{trainedPath}");
}
else if (fullExperiment)
{
    throw new InvalidOperationException($"No full-experiment model of notebook 3 in {Path.GetFullPath(notebook3Runs)} (folders bert-base-uncased-mnr-*): run notebook 3 with fullExperiment = true first.");
}
else
{
    display($"Notebook 3's model is not in {Path.GetFullPath(trainedPath!)} (run notebook 3 to save it). Training the same model here instead, as notebook 3 does; it is not saved.");
    torch.manual_seed(42);
    trained = BertMiniatures.CreateRandom("minilm-2l");
    var pairs = NliTrainingData.LoadPairs(fullExperiment: false).Examples;
    var loader = new NoDuplicatesDataLoader(pairs, batchSize: 32);
    var training = display("training...");
    trained.Fit(
        trainObjectives: [(loader, new MultipleNegativesRankingLoss(trained))],
        new FitOptions
        {
            WarmupSteps = loader.Count / 10,
            LearningRate = 2e-4,
            ShowProgressBar = false,
            Progress = new InlineProgress<TrainingProgress>(p =>
                training.Update(ProgressText.Bar("training", p.Step, p.TotalSteps, $"loss {p.Loss:0.000}"))),
        });
}

// ## Ten sentences, three hidden pairs
//
// As in the video, the list hides three pairs of sentences that say the same thing **without sharing a single word** — noodles knitted or spaghetti woven, dentists buying building supplies, raw fish with rice — among unrelated ones. A bag-of-words model would see no link between them at all.

var sentences = File.ReadAllLines("../data/heatmap/sentences.txt");
display(sentences.Select((s, i) => $"{i}: {s}"));

// Encode them with each model into normalised embeddings and compare every sentence with every other one (with unit-length vectors the cosine similarity is just a dot product). The two heatmaps share one colour scale, so their colours compare directly.

float[][] CosineSimilarities(SentenceTransformer model)
{
    var embeddings = model.Encode(sentences, normalizeEmbeddings: true);
    return Similarity.CosSim(embeddings, embeddings);
}
var before = CosineSimilarities(untrained);
var after = CosineSimilarities(trained);
var scale = new HeatmapOptions { Minimum = before.Concat(after).SelectMany(row => row).Min(), Maximum = 1 };
var heatmaps = Figure.SideBySide(
    Heatmap.Create(before, sentences, scale with { Title = "Untrained" }),
    Heatmap.Create(after, sentences.Select(_ => "").ToList(), scale with { Title = "After MNR training" }));
display(heatmaps);

// Untrained, the model already leans the right way, but only just: its word vectors are pretrained, and averaged they put each hidden pair a little closer together than any other sentence, yet every sentence looks much like every other, so the left heatmap is nearly one bright block. After one epoch of MNR training, unrelated sentences fall apart while the three pairs stay together: the knitted noodles (1) and the woven spaghetti (9), the dentists (3, 4) and the raw fish (5, 7) stand out clearly, although they share no word. That is the video's lesson in miniature: a model that knows words (bert-base-uncased from its pre-training, here the word vectors) becomes a sentence encoder through MNR loss. A model that has to learn its words from the 6,697 pairs alone, such as notebook 2's random BERT-Tiny, cannot link these sentences: `st reproduce` trains both and shows the difference. all-MiniLM-L6-v2, trained with the same loss on over a billion pairs, picks out all three pairs too (`st heatmap --model bundled:all-MiniLM-L6-v2 --sentences data/heatmap/sentences.txt --output heatmap.svg`).
//
// The heatmaps are plain SVG, so they render offline, in VS Code, on GitHub and in the executed copies; `heatmaps.Save("heatmaps.png")` writes a PNG.
//
// *Why not Plotly?* Plotly.NET.Interactive 6.0.0 needs FSharp.Core 10.1, while the last released .NET Interactive kernel (1.0.712001, deprecated in 2026) ships FSharp.Core 10.0, so the extension fails to load in the kernel users actually have. Self-contained SVG has no such dependency.
//
// Let's check each row's best match, by number, before and after:

int BestMatch(float[][] similarities, int i) => Enumerable.Range(0, sentences.Length).Where(j => j != i).MaxBy(j => similarities[i][j]);
display(Enumerable.Range(0, sentences.Length).Select(i =>
    $"{i}: untrained -> {BestMatch(before, i)} ({before[i][BestMatch(before, i)]:0.00}), trained -> {BestMatch(after, i)} ({after[i][BestMatch(after, i)]:0.00}): {sentences[i]}"));

// ## The STS benchmark
//
// The STS benchmark scores sentence pairs by hand from 0 (unrelated) to 5 (same meaning). A good model's cosine similarities rank the pairs in the same order as the human scores; the Spearman rank correlation (×100) measures that, here on the test split's 1,379 pairs.

var stsTest = EmbeddingSimilarityEvaluator.FromStsFile("../data/stsb/sts-test.csv");
var status = display("evaluating the untrained model...");
var untrainedScore = stsTest.Evaluate(untrained);
status.Update("evaluating the trained model...");
var trainedScore = stsTest.Evaluate(trained);
status.Update($"STSb test Spearman: untrained {untrainedScore.SpearmanCosine:F2}, trained {trainedScore.SpearmanCosine:F2}");

// One epoch of training lifts the Spearman correlation by about 16 points. The untrained score is not zero: averaged word vectors already rank pairs that share words, or words the vectors know to be alike. Training teaches the new layers to turn words into sentence meaning. For scale: all-MiniLM-L6-v2, trained with this loss on over a billion pairs, scores 82.03 on this split (`st evaluate --model bundled:all-MiniLM-L6-v2 --sts data/stsb/sts-test.csv`).
//
// The video's run — bert-base-uncased trained for one epoch over the SNLI + MultiNLI training pairs, about 314k of them — is notebook 3 with `fullExperiment = true`; set `fullExperiment = true` here too, to draw its heatmap next to bert-base-uncased's and score both.
