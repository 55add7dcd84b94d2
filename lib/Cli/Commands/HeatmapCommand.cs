using System.Text;

namespace NotebookSupport.Cli.Commands;

/// <summary><c>heatmap --model M --sentences FILE --output FILE.(png|svg)</c>: the cosine-similarity heatmap of some sentences.</summary>
internal static class HeatmapCommand
{
    public static Command Create()
    {
        var model = CommandOptions.Model();
        var sentences = CommandOptions.InputFile("--sentences", "UTF-8 text file, one sentence per line; blank lines are skipped (and counted).", "-s");
        var output = CommandOptions.Output("The image to write: a .svg or .png file.", "FILE");
        var title = new Option<string>("--title")
        {
            Description = "Title above the heatmap.",
            DefaultValueFactory = _ => "Cosine similarity",
        };
        var command = new Command("heatmap", "Encode sentences and draw their cosine-similarity matrix as a heatmap (SVG or PNG).")
        {
            model, sentences, output, title,
        };
        command.SetAction(parseResult => CliApp.Guard(parseResult, () =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var outputFile = new FileInfo(parseResult.GetValue(output)!);
            if (outputFile.Extension.ToLowerInvariant() is not (".svg" or ".png"))
            {
                throw new ArgumentException($"--output: '{outputFile.Name}' must end in .svg or .png.");
            }

            var sentenceFile = CommandOptions.Existing(parseResult.GetValue(sentences)!, "--sentences");

            var lines = File.ReadAllLines(sentenceFile.FullName, Encoding.UTF8);
            var texts = lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
            if (texts.Count < 2)
            {
                throw new InvalidDataException($"{sentenceFile.FullName}: found {texts.Count} sentence(s); expected at least two, one per line.");
            }

            if (texts.Count < lines.Length)
            {
                error.WriteLine($"{sentenceFile.FullName}: skipped {lines.Length - texts.Count} blank line(s); {texts.Count} sentences remain.");
            }

            using var sentenceTransformer = SentenceTransformer.Load(parseResult.GetValue(model)!, CommandOptions.LoadOptions(error));
            var embeddings = sentenceTransformer.Encode(texts, normalizeEmbeddings: true);
            var figure = Heatmap.Create(Similarity.CosSim(embeddings, embeddings), texts, new HeatmapOptions { Title = parseResult.GetValue(title)! });
            outputFile.Directory?.Create();
            figure.Save(outputFile.FullName);
            error.WriteLine($"{texts.Count}x{texts.Count} heatmap -> {outputFile.FullName}");
            return CliApp.Success;
        }));
        return command;
    }
}
