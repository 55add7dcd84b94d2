// Generated from 01-preprocessing.ipynb by `notebook-twins`; edit the notebook and regenerate, not this file.
// Run from the repository root: dotnet run notebooks/01-preprocessing.cs
#:property PublishAot=false
#:project ../lib/NotebookSupport/NotebookSupport.csproj

using NotebookSupport.Data;
using NotebookSupport.Data.Nli;
using NotebookSupport.Plotting;
using static NotebookSupport.Plotting.ConsoleDisplay;

// A notebook runs in its own folder; so does its twin, wherever `dotnet run` starts, so relative paths agree.
Directory.SetCurrentDirectory((string)AppContext.GetData("EntryPointFileDirectoryPath")!);

// # 1 · Preparing NLI data for Multiple Negatives Ranking loss
//
// The best sentence transformers are trained on natural language inference (NLI) data with **Multiple Negatives Ranking (MNR) loss**. This notebook prepares that data; the next ones train with it.
//
// An NLI dataset is a long list of sentence pairs, a *premise* and a *hypothesis*, each with a label:
//
// | label | name | meaning |
// |---|---|---|
// | 0 | entailment | if the premise is true, the hypothesis is true too |
// | 1 | neutral | both may be true, but one does not follow from the other |
// | 2 | contradiction | they cannot both be true |
//
// Softmax loss (the previous lesson) classifies pairs into those three labels. MNR loss ignores the labels: it only needs **(anchor, positive)** pairs, where the positive follows from the anchor — the entailment rows. A model that embeds anchor and positive with the same weights is a *Siamese* network; add a third sentence that contradicts the anchor (a *negative*) and it becomes a *triplet* network.

// Build the library once (`dotnet build lib/NotebookSupport`, see the README), then reference it. The path is relative to this notebook, so it works from VS Code and from `run-notebooks` alike; TorchSharp's native libraries load from the same folder.


// ## Settings
//
// The defaults run in seconds on a laptop, on the SNLI files bundled in `data/snli` (the dev and test splits, 10,000 pairs each).
//
// **▶ Full experiment:** set `fullExperiment = true` to download the training splits of SNLI and MultiNLI from the Hugging Face hub instead (about 943,000 pairs; needs network and a few minutes).

var fullExperiment = false;

// ## Load two NLI datasets
//
// The tutorial merges the Stanford NLI corpus with MultiNLI. Loading shows an updating progress line rather than a wall of output.

var status = display("loading...");
var progress = new InlineProgress<NliLoadProgress>(p => status.Update($"{p}"));
var first = fullExperiment
    ? NliLoader.LoadHub("stanfordnlp/snli", "plain_text", "train", progress: progress)
    : NliLoader.Load("../data/snli/snli_1.0_dev.csv", progress: progress);
var second = fullExperiment
    ? NliLoader.LoadHub("nyu-mll/glue", "mnli", "train", progress: progress)
    : NliLoader.Load("../data/snli/snli_1.0_test.csv", progress: progress);
status.Update($"{first}\n{second}");

// Each row is a premise, a hypothesis and a label. Here are the first two rows: the first pair is neutral (label 1), the second is an entailment (label 0), so only the second one is an anchor–positive pair.

display(new[] { first[0], first[1] });

// ## Make the two datasets match, then concatenate
//
// Two datasets can only be stacked if their columns agree. MultiNLI carries an extra `idx` column, so we drop it; and where the column *types* differ (in the Hugging Face copies one label column is declared non-nullable, the other not), we cast one dataset to the other's features first. Without that step the concatenation fails, exactly as in the video.

var extra = second.ColumnNames.Except(first.ColumnNames).ToArray();
var aligned = extra.Length > 0 ? second.RemoveColumns(extra) : second;
var dataset = NliDataset.Concatenate(first.Cast(aligned.Features), aligned);
display(dataset.ToString());

// ## Keep only the entailment pairs
//
// Some pairs carry the label -1: the annotators could not agree on them. They are not a class, so they must go. For MNR loss we go further and keep only label 0, which removes the unlabelled, the neutral and the contradicting pairs in one filter.

display(dataset.CountLabels());

var pairs = dataset.Filter(row => row.Label == NliLabel.Entailment);
display(pairs.CountLabels());

// ## Turn the rows into `InputExample`s
//
// The training API expects a list of `InputExample`s. For MNR loss an example holds just two texts, anchor (the premise) and positive (the hypothesis), and no label: the labels are made up per batch during training, as notebook 2 shows.

var examples = dataset.ToPairs();
display(examples.ToString());

display(examples.Examples.Take(3));
