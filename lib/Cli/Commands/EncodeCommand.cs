using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace NotebookSupport.Cli.Commands;

/// <summary><c>encode</c>: embeds a text file, one sentence per line, into a JSON-lines file of vectors.</summary>
internal static class EncodeCommand
{
    public static Command Create()
    {
        var model = CommandOptions.Model();
        var input = CommandOptions.InputFile("--input",
            "UTF-8 text file, one sentence per line (every line, empty ones included, gets an output line).", "-i");
        var output = CommandOptions.Output("JSON-lines file to write: one JSON array of floats per input line, in input order.", "FILE");
        var batchSize = CommandOptions.BatchSize(32);
        var normalize = new Option<bool>("--normalize")
        {
            Description = "Scale every embedding to unit length (cosine similarity = dot product).",
        };

        var command = new Command("encode", "Embed sentences (one per line) with a sentence transformer; write one JSON array per line.")
        {
            model, input, output, batchSize, normalize,
        };
        command.SetAction(parseResult => CliApp.Guard(parseResult, () =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var inputFile = CommandOptions.Existing(parseResult.GetValue(input)!, "--input");
            var outputFile = new FileInfo(parseResult.GetValue(output)!);
            var sentences = File.ReadAllLines(inputFile.FullName, Encoding.UTF8);
            var stopwatch = Stopwatch.StartNew();
            var modelSpec = parseResult.GetValue(model)!;
            using var sentenceTransformer = SentenceTransformer.Load(modelSpec, CommandOptions.LoadOptions(error));
            var embeddings = sentenceTransformer.Encode(sentences, parseResult.GetValue(batchSize), parseResult.GetValue(normalize));
            WriteJsonLines(outputFile.FullName, embeddings);
            error.WriteLine(
                $"encoded {sentences.Length} sentences ({sentences.Count(string.IsNullOrWhiteSpace)} empty) into " +
                $"{sentenceTransformer.EmbeddingDimension}-dimensional vectors with {modelSpec} in {stopwatch.Elapsed.TotalSeconds:F1} s -> {outputFile.FullName}");
            return CliApp.Success;
        }));
        return command;
    }

    /// <summary>Writes beside the target and renames, so a failed run never leaves a truncated output behind.</summary>
    private static void WriteJsonLines(string path, float[][] embeddings)
    {
        var folder = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = File.Create(temporary))
            {
                var newline = "\n"u8.ToArray();
                foreach (var vector in embeddings)
                {
                    using (var writer = new Utf8JsonWriter(stream))
                    {
                        writer.WriteStartArray();
                        foreach (var value in vector)
                        {
                            writer.WriteNumberValue(value);
                        }
                        writer.WriteEndArray();
                    }
                    stream.Write(newline);
                }
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
