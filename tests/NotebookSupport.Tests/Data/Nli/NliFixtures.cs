using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace NotebookSupport.Tests.Data.Nli;

/// <summary>One NLI row as the fixtures write it: label -1 means gold label "-".</summary>
internal sealed record FixtureRow(string Premise, string Hypothesis, int Label, string Genre = "fiction", int PromptId = 0, string PairId = "");

/// <summary>
/// Writes the same rows in each real NLI file format, by hand (not through the library), so the loaders are
/// checked against the formats themselves.
/// </summary>
internal static class NliFixtures
{
    public static readonly string[] LabelNames = ["entailment", "neutral", "contradiction"];

    /// <summary>Rows with commas, quotes, non-ASCII text and a row without gold label.</summary>
    public static readonly FixtureRow[] Rows =
    [
        new("A person on a horse jumps over a broken down airplane.", "A person is training his horse for a competition.", 1, "fiction", 31193, "31193n"),
        new("A person on a horse jumps over a broken down airplane.", "A person is outdoors, on a horse.", 0, "fiction", 31193, "31193e"),
        new("A person on a horse jumps over a broken down airplane.", "A person is at a diner, ordering an omelette.", 2, "fiction", 31193, "31193c"),
        new("He said \"hi\" to the café's owner, José.", "Someone spoke — briefly.", -1, "telephone", 101457, "101457n"),
        new("Children smiling and waving at camera", "There are children present", 0, "government", 134793, "134793e"),
    ];

    public static string GoldLabel(int label) => label < 0 ? "-" : LabelNames[label];

    public static string Json(string text) => JsonSerializer.Serialize(text);

    /// <summary>SNLI 1.0 jsonl lines, field order and extra fields as in snli_1.0_dev.jsonl.</summary>
    public static string SnliJsonl(IEnumerable<FixtureRow> rows, string newline = "\n") =>
        string.Concat(rows.Select((r, i) =>
            $"{{\"annotator_labels\": [\"{GoldLabel(r.Label)}\"], \"captionID\": \"{3416050480 + i}.jpg#4\", \"gold_label\": \"{GoldLabel(r.Label)}\", "
            + $"\"pairID\": \"{3416050480 + i}.jpg#4r1n\", \"sentence1\": {Json(r.Premise)}, \"sentence1_binary_parse\": \"( ( A person ) ( on ( a horse ) ) )\", "
            + $"\"sentence1_parse\": \"(ROOT (S (NP (DT A) (NN person))))\", \"sentence2\": {Json(r.Hypothesis)}, "
            + $"\"sentence2_binary_parse\": \"( ( A person ) ( is ( training ) ) )\", \"sentence2_parse\": \"(ROOT (S (NP (DT A) (NN person))))\"}}{newline}"));

    /// <summary>MultiNLI 1.0 jsonl lines (promptID is a string there, genre and pairID present).</summary>
    public static string MultiNliJsonl(IEnumerable<FixtureRow> rows) =>
        string.Concat(rows.Select(r =>
            $"{{\"annotator_labels\": [\"{GoldLabel(r.Label)}\", \"neutral\"], \"genre\": \"{r.Genre}\", \"gold_label\": \"{GoldLabel(r.Label)}\", "
            + $"\"pairID\": \"{r.PairId}\", \"promptID\": \"{r.PromptId}\", \"sentence1\": {Json(r.Premise)}, \"sentence1_binary_parse\": \"( x )\", "
            + $"\"sentence1_parse\": \"(ROOT x)\", \"sentence2\": {Json(r.Hypothesis)}, \"sentence2_binary_parse\": \"( y )\", \"sentence2_parse\": \"(ROOT y)\"}}\n"));

    /// <summary>GLUE MNLI train.tsv: 12 unquoted tab-separated columns with a header.</summary>
    public static string GlueTsv(IEnumerable<FixtureRow> rows, string newline = "\n") =>
        "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\tsentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label" + newline
        + string.Concat(rows.Select((r, i) =>
            $"{i}\t{r.PromptId}\t{r.PairId}\t{r.Genre}\t( ( x ) )\t( ( y ) )\t(ROOT (S x))\t(ROOT (S y))\t{r.Premise}\t{r.Hypothesis}\t{GoldLabel(r.Label)}\t{GoldLabel(r.Label)}{newline}"));

    /// <summary>CSV like data/snli: similarity,sentence1,sentence2, quoted per RFC 4180 where needed.</summary>
    public static string Csv(IEnumerable<FixtureRow> rows, string newline = "\n") =>
        "similarity,sentence1,sentence2" + newline
        + string.Concat(rows.Select(r => $"{GoldLabel(r.Label)},{CsvField(r.Premise)},{CsvField(r.Hypothesis)}{newline}"));

    public static string CsvField(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;

    /// <summary>AllNLI.tsv (before gzip): split, dataset, filename, sentence1, sentence2, label.</summary>
    public static string AllNliTsv(IEnumerable<FixtureRow> rows) =>
        "split\tdataset\tfilename\tsentence1\tsentence2\tlabel\n"
        + string.Concat(rows.Select(r => $"train\tSNLI\tsnli_1.0_train.jsonl\t{r.Premise}\t{r.Hypothesis}\t{GoldLabel(r.Label)}\n"));

    public static void WriteGzip(string path, string text)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        gzip.Write(Encoding.UTF8.GetBytes(text));
    }

    public static void WriteUtf8(string path, string text, bool bom = false) =>
        File.WriteAllText(path, text, new UTF8Encoding(bom));

    /// <summary>
    /// A parquet file as Hugging Face <c>datasets</c> writes it: Arrow schema from the features (every field
    /// optional unless <paramref name="labelRequired"/>), label as int64, idx as int32, and the features in the
    /// "huggingface" key-value metadata.
    /// </summary>
    public static async Task WriteHfParquetAsync(string path, IReadOnlyList<FixtureRow> rows, bool withIdx, bool labelRequired = false)
    {
        var premise = new DataField<string>("premise", true);
        var hypothesis = new DataField<string>("hypothesis", true);
        DataField label = labelRequired ? new DataField<long>("label", false) : new DataField<long?>("label", true);
        var idx = new DataField<int?>("idx", true);
        var schema = withIdx ? new ParquetSchema(premise, hypothesis, label, idx) : new ParquetSchema(premise, hypothesis, label);
        var features = "{\"premise\": {\"dtype\": \"string\", \"_type\": \"Value\"}, \"hypothesis\": {\"dtype\": \"string\", \"_type\": \"Value\"}, "
                       + "\"label\": {\"names\": [\"entailment\", \"neutral\", \"contradiction\"], \"_type\": \"ClassLabel\"}"
                       + (withIdx ? ", \"idx\": {\"dtype\": \"int32\", \"_type\": \"Value\"}" : "") + "}";
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        writer.CustomMetadata = new Dictionary<string, string> { ["huggingface"] = $"{{\"info\": {{\"features\": {features}}}}}" };
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(premise, rows.Select(r => r.Premise).ToArray());
        await group.WriteAsync(hypothesis, rows.Select(r => r.Hypothesis).ToArray());
        if (labelRequired)
        {
            await group.WriteAsync<long>(label, rows.Select(r => (long)r.Label).ToArray().AsMemory());
        }
        else
        {
            await group.WriteAsync<long>(label, rows.Select(r => (long?)r.Label).ToArray().AsMemory());
        }

        if (withIdx)
        {
            await group.WriteAsync<int>(idx, rows.Select((_, i) => (int?)i).ToArray().AsMemory());
        }
    }
}
