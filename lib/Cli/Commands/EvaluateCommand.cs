using System.Text.Json;

namespace NotebookSupport.Cli.Commands;

/// <summary><c>evaluate</c>: Spearman and Pearson correlation (x100) of a model's cosine similarities on an STS file.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = CommandOptions.Model();
        var sts = CommandOptions.InputFile("--sts",
            "STS benchmark file: tab-separated genre, file, year, id, score (0-5), sentence1, sentence2 (e.g. data/stsb/sts-test.csv).");
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object." };
        var batchSize = CommandOptions.BatchSize(64);

        var command = new Command("evaluate", "Score a model on an STS benchmark file: Spearman and Pearson (x100) of cosine similarity against the gold scores.")
        {
            model, sts, json, batchSize,
        };
        command.SetAction(parseResult => CliApp.Guard(parseResult, () =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var file = CommandOptions.Existing(parseResult.GetValue(sts)!, "--sts");
            var evaluator = EmbeddingSimilarityEvaluator.FromStsFile(file.FullName, parseResult.GetValue(batchSize));
            var modelSpec = parseResult.GetValue(model)!;
            using var sentenceTransformer = SentenceTransformer.Load(modelSpec, CommandOptions.LoadOptions(error));
            var result = evaluator.Evaluate(sentenceTransformer);
            if (parseResult.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    model = modelSpec,
                    file = file.FullName,
                    name = result.Name,
                    pairs = result.Pairs,
                    spearman = result.SpearmanCosine,
                    pearson = result.PearsonCosine,
                }));
            }
            else
            {
                output.WriteLine(result.ToString());
            }
            return CliApp.Success;
        }));
        return command;
    }
}
