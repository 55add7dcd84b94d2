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
//
// *Run time with the defaults: 30–40 seconds on 2 cores (measured in the real kernel, its start included).*

// Build the library once (`dotnet build lib/NotebookSupport`, see the README), then reference it. The path is relative to this notebook, so it works from VS Code and from `run-notebooks` alike; TorchSharp's native libraries load from the same folder.


// ## Settings
//
// The defaults run offline in seconds, on two files bundled in `data/`: the SNLI dev split as CSV (`snli/snli_1.0_dev.csv`), and the SNLI test split written the way MultiNLI is stored on the Hugging Face hub, in GLUE's parquet schema (`glue-style/snli_1.0_test.glue-mnli.parquet`: an extra `idx` column and a label declared *not null*). So the two datasets differ exactly as SNLI and MultiNLI do in the video, 10,000 pairs each.
//
// **▶ Full experiment:** set `fullExperiment = true` to use the training splits of SNLI and MultiNLI instead (about 943,000 pairs), from the Hugging Face cache or downloaded from the hub (a few minutes). Without network it stops with a message naming the file and the ways out: a hub mirror (`HF_ENDPOINT`), a copied hub cache, or local copies of the files (`NliDataOptions`). Notebooks 2–4 train on the same data.

var fullExperiment = false;

// ## Load two NLI datasets
//
// The tutorial merges the Stanford NLI corpus with MultiNLI. `NliTrainingData.LoadSources` loads the two datasets the settings choose, SNLI first; loading shows an updating progress line rather than a wall of output.

var status = display("loading...");
var options = new NliDataOptions { Progress = new InlineProgress<NliLoadProgress>(p => status.Update($"{p}")) };
var (first, second) = NliTrainingData.LoadSources(fullExperiment, options);
status.Update($"{first}\n{second}");

// Each row is a premise, a hypothesis and a label. Here are the first two rows: the first pair is neutral (label 1), the second is an entailment (label 0), so only the second one is an anchor–positive pair.

display(new[] { first[0], first[1] });

// ## Make the two datasets match, then concatenate
//
// Two datasets can only be stacked if their columns agree. The second one carries an extra `idx` column (MultiNLI's row number), so we drop it, as the video does with `remove_columns`:

var extra = second.ColumnNames.Except(first.ColumnNames).ToArray();   // ["idx"]
var aligned = second.RemoveColumns(extra);
display(aligned.Features);

// Now both have premise, hypothesis and label. Concatenating them still fails, exactly as in the video: the columns look the same, but one label column is declared *not null* and the other is not, so they are not the same type. The cell catches the error to show it:

try
{
    display(NliDataset.Concatenate(first, aligned));
}
catch (SchemaMismatchException error)
{
    display($"{error.GetType().Name}: {error.Message}");
}

// The fix is the video's `snli.cast(mnli.features)`: cast the first dataset to the second one's features (a label that is never null can be declared not null), then concatenate.

var dataset = NliDataset.Concatenate(first.Cast(aligned.Features), aligned);
display(dataset.ToString());

// ## Keep only the entailment pairs
//
// Some pairs carry the label -1: the annotators could not agree on them. They are not a class, so they must go. For MNR loss we go further and keep only label 0, which removes the unlabelled, the neutral and the contradicting pairs in one filter.

display(dataset.CountLabels());

var entailment = dataset.Filter(row => row.Label == NliLabel.Entailment);
display(entailment.CountLabels());

// ## Turn the rows into `InputExample`s
//
// The training API expects a list of `InputExample`s. For MNR loss an example holds just two texts, anchor (the premise) and positive (the hypothesis), and no label: the labels are made up per batch during training, as notebook 2 shows. `ToPairs` turns every entailment row into one; since we kept only those, it drops nothing.

var examples = entailment.ToPairs();
display(examples.ToString());

display(examples.Examples.Take(3));

// Notebooks 2–4 get these same pairs in one call, `NliTrainingData.LoadPairs(fullExperiment)`, which runs the steps above: load both datasets, drop the columns they do not share, cast the first to the second's features, concatenate, and keep the entailment rows as (anchor, positive) pairs.
