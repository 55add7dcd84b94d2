using System.CommandLine;
using NotebookSupport.Evaluation;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Plotting;

namespace NotebookSupport.Cli.Commands;

/// <summary><c>heatmap --model M --sentences FILE --output FILE.(png|svg)</c>: the cosine-similarity heatmap of some sentences.</summary>
internal static class HeatmapCommand
{
    public const string BundledModel = "bundled:all-MiniLM-L6-v2";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = $"The model that encodes the sentences (default {BundledModel}).", DefaultValueFactory = _ => BundledModel };
        var sentences = new Option<FileInfo>("--sentences") { Description = "Text file with one sentence per line; blank lines are skipped.", Required = true };
        var output = new Option<FileInfo>("--output") { Description = "The image to write: .svg or .png.", Required = true };
        var title = new Option<string>("--title") { Description = "Title above the heatmap.", DefaultValueFactory = _ => "Cosine similarity" };
        var command = new Command("heatmap", "Encode sentences and draw their cosine-similarity matrix as a heatmap (SVG or PNG).");
        command.Options.Add(model);
        command.Options.Add(sentences);
        command.Options.Add(output);
        command.Options.Add(title);
        command.SetAction(parseResult =>
        {
            var outputFile = parseResult.GetValue(output)!;
            var extension = outputFile.Extension.ToLowerInvariant();
            if (extension is not (".svg" or ".png"))
            {
                Console.Error.WriteLine($"error: --output {outputFile.Name}: expected a file name ending in .svg or .png.");
                return 2;
            }

            var sentenceFile = parseResult.GetValue(sentences)!;
            if (!sentenceFile.Exists)
            {
                Console.Error.WriteLine($"error: --sentences {sentenceFile.FullName}: the file does not exist.");
                return 2;
            }

            var lines = File.ReadAllLines(sentenceFile.FullName);
            var texts = lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            if (texts.Count < 2)
            {
                Console.Error.WriteLine($"error: {sentenceFile.FullName}: found {texts.Count} sentence(s); expected at least two, one per line.");
                return 2;
            }

            if (texts.Count < lines.Length)
            {
                Console.WriteLine($"{sentenceFile.Name}: skipped {lines.Length - texts.Count} blank line(s), using {texts.Count} sentences.");
            }

            var spec = parseResult.GetValue(model)!;
            using var encoder = LoadModel(spec);
            if (encoder is null)
            {
                Console.Error.WriteLine($"error: --model {spec}: unknown model; expected {BundledModel}.");
                return 2;
            }

            var embeddings = encoder.Encode(texts, normalizeEmbeddings: true);
            var figure = Heatmap.Create(CosineSimilarity.Matrix(embeddings, embeddings), texts, new HeatmapOptions { Title = parseResult.GetValue(title)! });
            outputFile.Directory?.Create();
            figure.Save(outputFile.FullName);
            Console.WriteLine($"{outputFile.FullName}: {texts.Count}x{texts.Count} heatmap written.");
            return 0;
        });
        return command;
    }

    private static SentenceTransformer? LoadModel(string spec) =>
        spec == BundledModel ? BundledMiniLm.Create() : null;
}
