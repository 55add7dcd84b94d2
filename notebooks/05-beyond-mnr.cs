// Generated from 05-beyond-mnr.ipynb by `notebook-twins`; edit the notebook and regenerate, not this file.
// Run from the repository root: dotnet run notebooks/05-beyond-mnr.cs
#:property PublishAot=false
#:project ../lib/NotebookSupport/NotebookSupport.csproj

using System.Diagnostics;
using System.IO;
using System.Text.Json;
using NotebookSupport.Data;
using NotebookSupport.Data.Nli;
using NotebookSupport.Evaluation;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Plotting;
using NotebookSupport.Training;
using NotebookSupport.Util;
using static NotebookSupport.Plotting.ConsoleDisplay;

// A notebook runs in its own folder; so does its twin, wherever `dotnet run` starts, so relative paths agree.
Directory.SetCurrentDirectory((string)AppContext.GetData("EntryPointFileDirectoryPath")!);

// # 5 · Beyond MNR: harder negatives, other losses, retrieval
//
// The video stops at (anchor, positive) pairs and one loss. A learner who finished notebook 4 asks: *how do I make the model better?* This notebook tries the answers that came after the video (sentence-transformers v3 to v5) on one model, side by side: contradiction triplets, mined hard negatives, a guide model that spots false negatives (GISTEmbed), a larger batch through CachedMNR, symmetric MNR, CoSENT on the STS benchmark's own training scores, and Matryoshka embeddings that still work when cut short.
//
// The model is the bundled all-MiniLM-L6-v2, already a good sentence embedder (STSb test 82.03). Improving a good model is harder than training a new one: the question is which recipes move it *up*, and on what.
//
// *Run time with the defaults: about 9 minutes on 2 cores (nine short trainings on slices of the data; `fullRun` below trains and scores on everything: about half an hour by the default run's timings, not measured).*


// ## Settings
//
// Every recipe starts from the same bundled model and trains one epoch with the tutorial's settings (batch 32, learning rate 2e-5, 10% warm-up, seed 42), each on its own fresh copy.
//
// **Training data.** SNLI *dev* only: the SNLI *test* split is kept for measuring (triplets and retrieval below), so no recipe sees a sentence it is tested on. The default run takes `examplesPerRecipe` examples of each training set (the first ones; for STSb train a seeded sample), so that nine trainings fit in a few minutes; expect small moves. `fullRun = true` trains on all of them (3,329 SNLI dev pairs, 3,172 triplets, 5,749 STSb train pairs) and scores on the whole SNLI test split.
//
// **Files.** The slices are written to `artifacts/05-beyond-mnr/` (a folder this notebook owns and rewrites), so that `st` can train and score on exactly the same data: the end of the notebook shows the commands, and a test checks that they print the numbers of the table.

var fullRun = false;
var examplesPerRecipe = fullRun ? int.MaxValue : 1000;
var snliTestRows = fullRun ? int.MaxValue : 1200;     // SNLI test rows the triplet and retrieval scores are built from
var seed = 42;
var bundled = "bundled:all-MiniLM-L6-v2";
var artifacts = Directory.CreateDirectory("artifacts/05-beyond-mnr").FullName;
string Artifact(string name) => Path.Combine(artifacts, name);

// ## The data
//
// Three training sets, all from the bundled files:
//
// - **pairs**: (premise, entailment) from SNLI dev, as in the video;
// - **triplets**: (premise, entailment, contradiction): the contradiction is a *hard negative*, a sentence about the same scene that says something false about it;
// - **STSb train**: sentence pairs with a human similarity score (0 to 5, scaled to 0 to 1), for the losses that learn from scores; a seeded sample, since the file is sorted by genre.

var snliDev = NliLoader.Load("../data/snli/snli_1.0_dev.csv");
var pairs = snliDev.ToPairs().Examples.Take(examplesPerRecipe).ToList();
var triplets = snliDev.ToTriplets().Examples.Take(examplesPerRecipe).ToList();
// STSb train is sorted by genre (image captions first); a seeded sample covers them all.
var stsTrain = StsBenchmark.LoadInputExamples("../data/stsb/sts-train.csv").ToArray();
new Random(seed).Shuffle(stsTrain);
stsTrain = stsTrain.Take(examplesPerRecipe).ToArray();
InputExampleTsv.Write(Artifact("pairs.tsv"), pairs, 2);
InputExampleTsv.Write(Artifact("triplets.tsv"), triplets, 3);
InputExampleTsv.Write(Artifact("sts-train.tsv"), stsTrain, 2, scored: true);
display($"{pairs.Count:N0} pairs, {triplets.Count:N0} triplets, {stsTrain.Length:N0} scored STSb pairs");
display(triplets[0]);

// ## How we score
//
// Four measurements, before training and after each recipe:
//
// | measurement | what it asks | built from |
// |---|---|---|
// | **STSb dev**, Spearman | do cosine similarities rank sentence pairs as people do? | the 1,500 STSb dev pairs; the recipes were chosen on this one |
// | **STSb test**, Spearman | the same, on pairs nobody tuned on | the 1,379 STSb test pairs, reported once per recipe |
// | **triplet accuracy** | is the premise closer to its entailment than to its contradiction? | each SNLI test premise with an entailment and a contradiction (`TripletEvaluator`) |
// | **retrieval**: NDCG@10, MRR@10, Recall@10 | searching all hypotheses with a premise, do its entailments come first? | SNLI test premises as queries, every hypothesis as the corpus, the premise's entailments relevant (`InformationRetrievalEvaluator`) |
//
// Retrieval is what MNR-trained models are mostly used for: the positives of a query must beat thousands of other texts, not one. Neutral and contradiction hypotheses of the same premise count as wrong answers, although a neutral one is often true too, so the retrieval scores are a lower bound.
//
// The default run builds the triplet and retrieval tasks from the first `snliTestRows` rows of SNLI test, written to `snli-test-slice.csv`.

var snliTest = Artifact("snli-test-slice.csv");
File.WriteAllLines(snliTest, File.ReadLines("../data/snli/snli_1.0_test.csv").Take(snliTestRows == int.MaxValue ? int.MaxValue : 1 + snliTestRows));
var stsDev = EmbeddingSimilarityEvaluator.FromStsFile("../data/stsb/sts-dev.csv");
var stsTest = EmbeddingSimilarityEvaluator.FromStsFile("../data/stsb/sts-test.csv");
var tripletTask = TripletEvaluator.FromNliFile(snliTest);
var retrievalTask = InformationRetrievalEvaluator.FromNliFile(snliTest);
display($"triplets: {tripletTask.Count:N0}; retrieval: {retrievalTask.QueryCount:N0} queries, {retrievalTask.CorpusSize:N0} documents");
var table = new List<(string Recipe, int Examples, int Steps, double TrainingSeconds, double StsDev, double StsTest, double TripletAccuracy, double Ndcg10, double Mrr10, double Recall10)>();
var models = new Dictionary<string, SentenceTransformer>();
void Score(string recipe, SentenceTransformer model, int examples = 0, int steps = 0, double trainingSeconds = 0)
{
    var status = display($"{recipe}: scoring...");
    var ir = retrievalTask.Evaluate(model);
    var scores = (Recipe: recipe, Examples: examples, Steps: steps, TrainingSeconds: trainingSeconds, StsDev: stsDev.Evaluate(model).SpearmanCosine,
        StsTest: stsTest.Evaluate(model).SpearmanCosine, TripletAccuracy: tripletTask.Evaluate(model).Accuracy, Ndcg10: ir.Ndcg10, Mrr10: ir.Mrr10, Recall10: ir.RecallAtK[10]);
    status.Update($"{recipe}: STSb dev {scores.StsDev:F2}, test {scores.StsTest:F2}, triplets {100 * scores.TripletAccuracy:F2}%, NDCG@10 {scores.Ndcg10:F4}");
    table.Add(scores);
    models[recipe] = model;
}
Score("none (bundled model)", SentenceTransformer.Load(bundled));
var before = table[0];

// ## One training function for every recipe
//
// Each recipe is a training set and a loss. The function loads a fresh copy of the bundled model, trains one epoch with `Fit`, and scores it. `st train` does the same (its defaults are these settings).

void Train(string recipe, IReadOnlyList<InputExample> examples, Func<SentenceTransformer, SentenceTransformerLoss> lossFor, int batchSize = 32)
{
    var model = SentenceTransformer.Load(bundled);
    var loader = new NoDuplicatesDataLoader(examples, batchSize, seed);
    var status = display($"{recipe}: training...");
    var stopwatch = Stopwatch.StartNew();
    var result = model.Fit([(loader, lossFor(model))], new FitOptions
    {
        Seed = seed,
        ShowProgressBar = false,
        Progress = new InlineProgress<TrainingProgress>(p => status.Update(ProgressText.Bar(recipe, p.Step, p.TotalSteps, $"loss {p.Loss:0.000}"))),
    });
    var seconds = stopwatch.Elapsed.TotalSeconds;
    var quarter = Math.Max(1, result.Losses.Count / 4);
    status.Update($"{recipe}: {result.GlobalStep} steps in {seconds:F0} s; mean loss of the first and last quarter of the steps " +
                  $"{result.Losses.Take(quarter).Average(l => l.Loss):0.000} -> {result.Losses.TakeLast(quarter).Average(l => l.Loss):0.000}");
    Score(recipe, model, examples.Count, result.GlobalStep, seconds);
}

// ## 1 · Pairs, as in the video
//
// MNR loss on (premise, entailment): each premise must pick out its own entailment among the batch's 32 positives. The other 31 are *random* negatives: sentences about other scenes, easy to tell apart. For a model that already embeds sentences well, there is little left to learn from them.

Train("pairs", pairs, model => new MultipleNegativesRankingLoss(model));

// ## 2 · Contradiction triplets
//
// The same loss with a third column: each premise's contradiction joins the batch as an extra negative, for its own premise and for every other one. A contradiction shares the scene and most of the words ("A man plays a guitar" / "A man is sleeping"), so it is a *hard* negative: the model must look at meaning, not topic.

Train("triplets", triplets, model => new MultipleNegativesRankingLoss(model));

// ## 3 · Mined hard negatives
//
// Contradictions come with NLI data; most datasets have only pairs. `HardNegativeMiner` makes hard negatives from pairs alone, as sentence-transformers' `mine_hard_negatives` does: it encodes every positive, and for each anchor takes the most similar positive *of another pair*. A candidate that scores too close to the anchor's own positive is probably a paraphrase, a *false* negative, so `RelativeMargin = 0.05` drops any scoring above 95% of the positive's score.

var miner = SentenceTransformer.Load(bundled);
var mined = HardNegativeMiner.Mine(miner, pairs, new HardNegativeMiningOptions { NumNegatives = 1, RelativeMargin = 0.05, BatchSize = 64 });
InputExampleTsv.Write(Artifact("mined.tsv"), mined.Examples, 3);
display(mined.ToString());
display(mined.Examples[0]);
Train("mined negatives", mined.Examples, model => new MultipleNegativesRankingLoss(model));

// ## 4 · GISTEmbed: a guide against false negatives
//
// In-batch negatives are not always negative: in NLI data, two premises about dogs in snow can each entail "A dog is outside". `GISTEmbedLoss` asks a frozen *guide* model (here the bundled model itself) about every in-batch negative, and masks the ones the guide scores above the true positive, so the model is never pushed away from a sentence that fits. Its similarities are divided by a temperature of 0.05 instead of multiplied by a scale of 20: the same thing.

var guide = SentenceTransformer.Load(bundled);
Train("GISTEmbed (pairs)", pairs, model => new GISTEmbedLoss(model, guide, temperature: 0.05));

// ## 5 · A larger batch: CachedMNR
//
// More in-batch negatives make the ranking task harder, which is why MNR prefers large batches. Memory is the limit: a batch of 128 pairs holds the activations of 256 sentences for the backward pass. `CachedMultipleNegativesRankingLoss` (GradCache) first embeds the batch without keeping activations, computes the loss and its gradient with respect to the embeddings, then re-encodes mini-batches of 32 with gradients and pushes that gradient through them: the same loss and gradients as plain MNR at batch 128, in the memory of batch 32. With the same data, a batch of 128 also means a quarter of the steps.

Train("CachedMNR, batch 128", pairs, model => new CachedMultipleNegativesRankingLoss(model, miniBatchSize: 32), batchSize: 128);

// ## 6 · Symmetric MNR
//
// Plain MNR asks each anchor to find its positive. `MultipleNegativesSymmetricRankingLoss` also asks each positive to find its anchor among the batch's anchors, and averages the two. Search runs both ways in many applications (question to answer and back), and the second direction doubles the ranking signal per batch.

Train("symmetric MNR", pairs, model => new MultipleNegativesSymmetricRankingLoss(model));

// ## 7 · CoSENT and CosineSimilarityLoss on STSb train
//
// The STS benchmark has its own training split with human scores. MNR only knows "match or no match"; these losses use the scores.
//
// - `CosineSimilarityLoss`, the classic: the squared difference between each pair's cosine and its score (0 to 1).
// - `CoSENTLoss`: for every two pairs in the batch where the first is scored as more similar, it penalises the model when the first pair's cosine is lower, `log(1 + Σ exp(scale · (cos_low − cos_high)))`. Only the *order* of the scores counts, which is what a Spearman correlation measures. `AnglELoss` is the same with an angle difference in complex space instead of the cosine; `st train --loss angle` trains it.

Train("CoSENT (STSb train)", stsTrain, model => new CoSENTLoss(model));
Train("cosine (STSb train)", stsTrain, model => new CosineSimilarityLoss(model));

// ## 8 · Matryoshka embeddings
//
// A 384-dimensional vector costs 384 floats per document in an index. `MatryoshkaLoss` wraps a loss and applies it to the embeddings cut to their first 384, 256, 128 and 64 dimensions, summing the four losses, so that the first dimensions carry the most meaning: like nested dolls, a short embedding sits inside the long one. Here it wraps MNR on the triplets; compare it with recipe 2 below at fewer dimensions.

int[] dims = [384, 256, 128, 64];
Train("Matryoshka (triplets)", triplets, model => new MatryoshkaLoss(new MultipleNegativesRankingLoss(model), dims));

// ## The table
//
// Every number below comes from the same code path as `st evaluate`. Differences under about 0.2 Spearman points or 0.5 accuracy points are within what a different seed moves.

string Signed(double value, string format) => (value >= 0 ? "+" : "") + value.ToString(format);
var header = $"{"recipe",-24} {"examples",8} {"steps",5} {"training",8} {"STSb dev",14} {"STSb test",14} {"triplet acc",15} {"NDCG@10",15} {"MRR@10",7} {"R@10",6}";
var lines = table.Select(r => r.Recipe == before.Recipe
    ? $"{r.Recipe,-24} {"",8} {"",5} {"",8} {r.StsDev,14:F2} {r.StsTest,14:F2} {100 * r.TripletAccuracy,14:F2}% {r.Ndcg10,15:F4} {r.Mrr10,7:F4} {100 * r.Recall10,5:F1}%"
    : $"{r.Recipe,-24} {r.Examples,8:N0} {r.Steps,5} {r.TrainingSeconds,6:F0} s {r.StsDev,6:F2} ({Signed(r.StsDev - before.StsDev, "F2"),6}) {r.StsTest,6:F2} ({Signed(r.StsTest - before.StsTest, "F2"),6}) {100 * r.TripletAccuracy,6:F2}% ({Signed(100 * (r.TripletAccuracy - before.TripletAccuracy), "F2"),6}) {r.Ndcg10,6:F4} ({Signed(r.Ndcg10 - before.Ndcg10, "F4"),7}) {r.Mrr10,7:F4} {100 * r.Recall10,5:F1}%");
display(string.Join("\n", [header, .. lines]));
// For st and the test that compares it with this table.
File.WriteAllText(Artifact("results.json"), JsonSerializer.Serialize(table.Select(r => new { r.Recipe, r.Examples, r.Steps, r.StsDev, r.StsTest, r.TripletAccuracy, r.Ndcg10, r.Mrr10, r.Recall10 }),
    new JsonSerializerOptions { WriteIndented = true }));

// ### Where the gains go
//
// The plot shows each recipe's change against the bundled model on the three kinds of score, in points (Spearman x100, accuracy in %, NDCG@10 x100).

var trained = table.Skip(1).ToList();
var xs = trained.Select((_, i) => (double)(i + 1)).ToList();
display(LinePlot.Create(
    [
        new LineSeries("STSb test", xs, [.. trained.Select(r => r.StsTest - before.StsTest)]),
        new LineSeries("triplet accuracy", xs, [.. trained.Select(r => 100 * (r.TripletAccuracy - before.TripletAccuracy))]),
        new LineSeries("NDCG@10 x100", xs, [.. trained.Select(r => 100 * (r.Ndcg10 - before.Ndcg10))]),
    ],
    new LinePlotOptions { Title = "Change against the bundled model, by recipe", XLabel = string.Join("  ", trained.Select((r, i) => $"{i + 1} {r.Recipe.Split(' ')[0].TrimEnd(',')}")), YLabel = "points", Width = 760 }));

// ### Matryoshka: cut the embeddings short
//
// STSb dev Spearman with the embeddings truncated to their first 64 and 128 dimensions (the same `truncateDim` as `Encode(..., truncateDim: 64)` and `st evaluate --truncate-dim 64`).

int[] plotDims = [64, 128, 384];
var curves = new List<LineSeries>();
foreach (var recipe in new[] { before.Recipe, "triplets", "Matryoshka (triplets)" })
{
    var model = models[recipe];
    var spearman = plotDims.Select(d => d == 384 ? table.Single(r => r.Recipe == recipe).StsDev
        : EmbeddingSimilarityEvaluator.FromStsFile("../data/stsb/sts-dev.csv", truncateDim: d).Evaluate(model).SpearmanCosine).ToList();
    curves.Add(new LineSeries(recipe, [.. plotDims.Select(d => (double)d)], spearman));
    display($"{recipe}: " + string.Join(", ", plotDims.Zip(spearman, (d, s) => $"{d} dims {s:F2}")));
}
display(LinePlot.Create(curves, new LinePlotOptions { Title = "STSb dev Spearman at fewer dimensions", XLabel = "dimensions kept", YLabel = "Spearman x100" }));

// ## What the numbers say
//
// **Small moves, and that is the first lesson.** all-MiniLM-L6-v2 was trained with MNR loss on about a billion pairs, SNLI and MultiNLI among them, and thirty-odd steps at the tutorial's learning rate move it by hundredths of a point. The scoring sets of the default run are small too: with 381 triplets, one triplet is 0.26 points of accuracy. Read differences below about 0.5 accuracy points, 0.005 NDCG or 0.2 Spearman points as noise.
//
// - **Pairs, symmetric MNR and CachedMNR's larger batch** leave STS and retrieval where they were. Their negatives are sentences about other scenes, which this model already tells apart. CachedMNR gets as far in 9 steps as the others in 32: four times the negatives per step, in the memory of a batch of 32.
// - **Contradiction triplets** are the SNLI recipe that improves what MNR is for. The premise moves closer to its entailment than to its contradiction (triplet accuracy +0.8, three more triplets right) and retrieval rises a little, with STS unchanged. A contradiction shares the scene and the words: it is the one kind of negative this model still gets wrong.
// - **Mined negatives** help the triplets less and cost some retrieval. Mined among only 1,000 positives, an anchor's nearest "other" hypothesis is often another true sentence about a similar picture: a false negative that the 5% margin did not catch. A larger corpus to mine from (`HardNegativeMiningOptions.Corpus`, or `fullRun`) gives fewer of them.
// - **GISTEmbed**, with the model itself as its guide, masks exactly the in-batch negatives the model finds hardest, so for a model this good it removes what little the pairs had to teach. A guide helps when it is *stronger* than the model it guides, such as a large model guiding a small one.
// - **STSb train's scores** teach what the STS benchmark measures, and they are the only recipe here that lifts STSb dev by half a point. `CosineSimilarityLoss` also generalises to STSb test (+1.1); `CoSENTLoss`, which only looks at the order of the scores, gains on dev but hardly on test in 32 steps. Neither is trained for retrieval, and retrieval does not rise.
// - **Matryoshka** keeps a little more of the model's quality at 64 and 128 dimensions than the same training without it, at no cost at 384; 32 steps are far too few to teach a model to put its meaning first. The model was not trained for truncation, and already keeps 97% of its STSb dev score at 64 dimensions.
//
// **The best recipe** is therefore a combination: MNR on contradiction triplets (for retrieval and the triplets) together with `CosineSimilarityLoss` on STSb train (for STS), one step of each in turn, `Fit` with two objectives. It is experiment C of `st reproduce`, run on the full data there; its `report.md` has the figures. On the full data, STSb train alone scores higher on STS still, but ranks SNLI retrieval worse: an MNR recipe should not trade away what MNR is for.

// ## The same with `st`
//
// Every recipe is one `st train` command on the files this notebook wrote, and `st evaluate` scores the result. For the triplets recipe:
//
// ```
// st train --model bundled:all-MiniLM-L6-v2 --data notebooks/artifacts/05-beyond-mnr/triplets.tsv --hard-negatives --output runs/triplets
// st evaluate --model runs/triplets --sts data/stsb/sts-test.csv --triplets notebooks/artifacts/05-beyond-mnr/snli-test-slice.csv --ir notebooks/artifacts/05-beyond-mnr/snli-test-slice.csv
// ```
//
// The others: `--data pairs.tsv` (pairs); `mine-negatives --model bundled:all-MiniLM-L6-v2 --data pairs.tsv --output mined.tsv --num-negatives 1 --relative-margin 0.05`, then `--data mined.tsv --hard-negatives`; `--loss gist` (the bundled guide by default); `--loss cached-mnr --batch-size 128`; `--loss mnr-symmetric`; `--loss cosent --data sts-train.tsv` (or `--loss cosine`); `--hard-negatives --matryoshka-dims 384,256,128,64`. A test runs two of them and checks that they print this table's numbers.
