using System.Text.Json;

namespace NotebookSupport.Cli.Commands;

/// <summary>
/// <c>evaluate</c>: scores a model with one or more evaluators: STS correlation (<c>--sts</c>), triplet accuracy
/// (<c>--triplets</c>) and retrieval metrics (<c>--ir</c>); <c>snli-test</c> names the bundled SNLI test split for
/// the last two.
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>The word that stands for the bundled SNLI test split (<c>data/snli/snli_1.0_test.csv</c>).</summary>
    public const string SnliTest = "snli-test";

    public static Command Create()
    {
        var model = CommandOptions.Model();
        var sts = new Option<FileInfo?>("--sts")
        {
            Description = "STS benchmark file: tab-separated genre, file, year, id, score (0-5), sentence1, sentence2 (e.g. data/stsb/sts-test.csv).",
            HelpName = "FILE",
        };
        var triplets = new Option<string?>("--triplets")
        {
            Description = $"Triplet accuracy (cosine) on a TSV of anchor, positive, negative[_1..n] (as prepare-nli --triplets and mine-negatives write), "
                          + $"an NLI file (each premise's entailment and contradiction), or {SnliTest} for the bundled SNLI test split.",
            HelpName = $"FILE|{SnliTest}",
        };
        var ir = new Option<string?>("--ir")
        {
            Description = $"Retrieval metrics (MRR@10, NDCG@10, MAP@100, recall, accuracy): an NLI file's premises as queries, all its hypotheses as the corpus, "
                          + $"the entailments relevant; {SnliTest} for the bundled SNLI test split.",
            HelpName = $"FILE|{SnliTest}",
        };
        var truncateDim = CommandOptions.Optional<int>("--truncate-dim",
            "Score the embeddings truncated to their first N dimensions (a model trained with --matryoshka-dims keeps its quality there); default: all.",
            value => value >= 1, "at least 1");
        var json = new Option<bool>("--json") { Description = "Print each result as one JSON object per line." };
        var batchSize = CommandOptions.BatchSize(64);
        var noProgress = CommandOptions.NoProgress();

        var command = new Command("evaluate",
            "Score a model: Spearman and Pearson (x100) of cosine similarity on an STS file, triplet accuracy, or retrieval metrics.")
        {
            model, sts, triplets, ir, truncateDim, json, batchSize, noProgress,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(sts) is null && result.GetValue(triplets) is null && result.GetValue(ir) is null)
            {
                result.AddError($"evaluate needs at least one of --sts FILE, --triplets FILE|{SnliTest} or --ir FILE|{SnliTest}.");
            }
        });
        command.SetAction(parseResult => CliApp.Guard(parseResult, () =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var size = parseResult.GetValue(batchSize);
            var dim = parseResult.GetValue(truncateDim);
            var evaluators = new List<(string File, SentenceEvaluator Evaluator)>();
            if (parseResult.GetValue(sts) is { } stsFile)
            {
                var file = CommandOptions.Existing(stsFile, "--sts").FullName;
                evaluators.Add((file, EmbeddingSimilarityEvaluator.FromStsFile(file, size, dim)));
            }
            if (parseResult.GetValue(triplets) is { } tripletsValue)
            {
                var evaluator = Triplets(tripletsValue, "--triplets", size, dim, out var file);
                evaluators.Add((file, evaluator));
            }
            if (parseResult.GetValue(ir) is { } irValue)
            {
                var evaluator = Retrieval(irValue, "--ir", size, dim, out var file);
                evaluators.Add((file, evaluator));
            }
            var modelSpec = parseResult.GetValue(model)!;
            using var sentenceTransformer = SentenceTransformer.Load(modelSpec, CommandOptions.LoadOptions(error));
            if (dim > sentenceTransformer.EmbeddingDimension)
            {
                throw new ArgumentException($"--truncate-dim: {dim} is larger than the model's embedding dimension, {sentenceTransformer.EmbeddingDimension}.");
            }
            foreach (var (file, evaluator) in evaluators)
            {
                Report(evaluator, error);
                var result = EncodeProgressBar.Run(!parseResult.GetValue(noProgress), $"encoding {evaluator.Name}",
                    progress => evaluator.Evaluate(sentenceTransformer, progress));
                output.WriteLine(parseResult.GetValue(json) ? Json(modelSpec, file, result) : result.ToString());
            }
            return CliApp.Success;
        }));
        return command;
    }

    /// <summary>
    /// The triplet task of <c>--triplets</c> (and <c>train --eval-triplets</c>): a TSV of anchor, positive and
    /// negative columns, an NLI file, or <see cref="SnliTest"/>; <paramref name="file"/> is the full path read.
    /// </summary>
    public static TripletEvaluator Triplets(string value, string option, int batchSize, int? truncateDim, out string file)
    {
        file = Resolve(value, option);
        return InputExampleTsv.IsFile(file) ? FromTsv(file, option, batchSize, truncateDim) : TripletEvaluator.FromNliFile(file, batchSize, truncateDim);
    }

    /// <summary>The retrieval task of <c>--ir</c> (and <c>train --eval-ir</c>) from an NLI file or <see cref="SnliTest"/>.</summary>
    public static InformationRetrievalEvaluator Retrieval(string value, string option, int batchSize, int? truncateDim, out string file)
    {
        file = Resolve(value, option);
        return InformationRetrievalEvaluator.FromNliFile(file, batchSize, truncateDim);
    }

    // snli-test, or a file that must exist.
    private static string Resolve(string value, string option) => value == SnliTest
        ? RepositoryData.Path("snli", "snli_1.0_test.csv")
        : CommandOptions.Existing(new FileInfo(value), option).FullName;

    private static TripletEvaluator FromTsv(string file, string option, int batchSize, int? truncateDim)
    {
        var examples = InputExampleTsv.Read(file);
        if (examples.Count == 0 || examples[0].Texts.Count < 3)
        {
            throw new ArgumentException($"{option} {file}: expected anchor, positive and negative columns with at least one line (prepare-nli --triplets or mine-negatives write such files).");
        }
        return TripletEvaluator.FromExamples(examples, Path.GetFileNameWithoutExtension(file), batchSize, truncateDim);
    }

    // What a task built from an NLI file left out, so that its size can be checked.
    private static void Report(SentenceEvaluator evaluator, TextWriter error)
    {
        switch (evaluator)
        {
            case TripletEvaluator { SkippedPremises: > 0 } t:
                error.WriteLine($"{t.Name}: {t.Count:N0} triplets; {t.SkippedPremises:N0} premises without both an entailment and a contradiction skipped");
                break;
            case InformationRetrievalEvaluator i:
                error.WriteLine($"{i.Name}: {i.QueryCount:N0} queries, {i.CorpusSize:N0} documents; {i.SkippedPremises:N0} premises without an entailment skipped");
                break;
        }
    }

    private static string Json(string model, string file, EvaluationResult result) => result is SimilarityResult similarity
        ? JsonSerializer.Serialize(new
        {
            model,
            file,
            name = similarity.Name,
            pairs = similarity.Pairs,
            spearman = similarity.SpearmanCosine,
            pearson = similarity.PearsonCosine,
        })
        : JsonSerializer.Serialize(new
        {
            model,
            file,
            name = result.Name,
            primary_metric = result.PrimaryMetric,
            metrics = result.Metrics.ToDictionary(m => m.Key, m => double.IsFinite(m.Value) ? m.Value : (double?)null),
        });
}
