using System.Text.Json;
using System.Text.Json.Nodes;
using NotebookSupport.Data.Nli;
using Parquet;
using Parquet.Schema;

namespace NotebookSupport.Tests.Data.Nli;

/// <summary>
/// <c>data/glue-style/snli_1.0_test.glue-mnli.parquet</c>, the second source of notebook 1's default run: the
/// bundled SNLI test rows written in the schema of GLUE mnli's parquet files on the hub. It is generated here,
/// reproducibly, with Parquet.Net; run this class with NOTEBOOKSUPPORT_REGENERATE_DATA=1 to rewrite it.
/// </summary>
public sealed class GlueStyleDataTests
{
    /// <summary>
    /// GLUE mnli's features as <c>datasets</c> stores them in a parquet file's "huggingface" key-value metadata,
    /// built from the dataset card of <c>nyu-mll/glue</c> (dataset_info, config mnli: premise string, hypothesis
    /// string, label class_label 0 entailment / 1 neutral / 2 contradiction, idx int32) in the layout of
    /// <c>Features.to_dict()</c>, independently of the generator's string.
    /// </summary>
    private static readonly JsonNode _realGlueMnliMetadata = new JsonObject
    {
        ["info"] = new JsonObject
        {
            ["features"] = new JsonObject
            {
                ["premise"] = new JsonObject { ["dtype"] = "string", ["_type"] = "Value" },
                ["hypothesis"] = new JsonObject { ["dtype"] = "string", ["_type"] = "Value" },
                ["label"] = new JsonObject { ["names"] = new JsonArray("entailment", "neutral", "contradiction"), ["_type"] = "ClassLabel" },
                ["idx"] = new JsonObject { ["dtype"] = "int32", ["_type"] = "Value" },
            },
        },
    };

    private static string CommittedFile => RepoData.Path("glue-style", "snli_1.0_test.glue-mnli.parquet");

    [Fact]
    public async Task CommittedFileIsWhatTheGeneratorWrites()
    {
        var generated = await GlueStyleParquet.GenerateAsync(RepoData.Path("snli", "snli_1.0_test.csv"));
        if (Environment.GetEnvironmentVariable("NOTEBOOKSUPPORT_REGENERATE_DATA") == "1")
        {
            // Renamed into place, so the other tests of this class, running in parallel, read the old or the new file.
            var staged = CommittedFile + ".new";
            await File.WriteAllBytesAsync(staged, generated);
            File.Move(staged, CommittedFile, overwrite: true);
        }

        var committed = await File.ReadAllBytesAsync(CommittedFile);
        Assert.True(generated.SequenceEqual(committed),
            $"{CommittedFile} differs from what GlueStyleParquet writes; rerun with NOTEBOOKSUPPORT_REGENERATE_DATA=1 if the change is intended.");
    }

    [Fact]
    public async Task HasGlueMnliParquetSchemaAndMetadata()
    {
        await using var stream = File.OpenRead(CommittedFile);
        await using var reader = await ParquetReader.CreateAsync(stream);

        var fields = reader.Schema.GetDataFields();
        Assert.Equal(["premise", "hypothesis", "label", "idx"], fields.Select(f => f.Name));
        Assert.Equal([true, true, false, true], fields.Select(f => f.IsNullable));
        Assert.Equal([typeof(long), typeof(int)], fields[2..].Select(f => f.ClrType));
        Assert.All(fields[..2], f => Assert.Equal(typeof(string), f.ClrType == typeof(ReadOnlyMemory<char>) ? typeof(string) : f.ClrType));
        var metadata = JsonNode.Parse(reader.CustomMetadata["huggingface"]);
        Assert.True(JsonNode.DeepEquals(_realGlueMnliMetadata, metadata), $"huggingface metadata: {metadata?.ToJsonString()}");

        var loaded = NliLoader.Load(CommittedFile);
        Assert.Equal(
            "{premise: string, hypothesis: string, label: ClassLabel(entailment, neutral, contradiction): int64 not null, idx: int32}",
            loaded.Features.ToString());
    }

    [Fact]
    public void HoldsTheBundledSnliTestRowsInOrderWithIdx()
    {
        var csv = NliLoader.Load(RepoData.Path("snli", "snli_1.0_test.csv"));
        var parquet = NliLoader.Load(CommittedFile);

        Assert.Equal(10_000, parquet.RowCount);
        Assert.Equal(csv.Rows, parquet.Rows);
        Assert.Equal(new NliLabelCounts(3368, 3219, 3237, 176), parquet.CountLabels());
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => (int?)i), parquet.Frame.Columns["idx"].Cast<int?>());
    }

    [Fact]
    public void DefaultRunShowsTheVideosSchemaErrorAndCastFixesIt()
    {
        var (first, second) = NliTrainingData.LoadSources(fullExperiment: false);
        var aligned = second.RemoveColumns("idx");

        var error = Assert.Throws<SchemaMismatchException>(() => NliDataset.Concatenate(first, aligned));

        Assert.Equal("label", error.Column);
        Assert.Equal("ClassLabel(entailment, neutral, contradiction): int64", error.FirstType);
        Assert.Equal("ClassLabel(entailment, neutral, contradiction): int64 not null", error.SecondType);
        Assert.Contains("snli_1.0_dev.csv.Cast(snli_1.0_test.glue-mnli.parquet.Features)", error.Message);
        var dataset = NliDataset.Concatenate(first.Cast(aligned.Features), aligned);
        Assert.Equal(20_000, dataset.RowCount);
        Assert.Equal(6_697, dataset.ToPairs().Examples.Count);
    }
}

/// <summary>Writes SNLI rows as GLUE mnli's parquet files on the hub hold them, with Parquet.Net.</summary>
internal static class GlueStyleParquet
{
    private const string HuggingFaceMetadata =
        "{\"info\": {\"features\": {\"premise\": {\"dtype\": \"string\", \"_type\": \"Value\"}, \"hypothesis\": {\"dtype\": \"string\", \"_type\": \"Value\"}, "
        + "\"label\": {\"names\": [\"entailment\", \"neutral\", \"contradiction\"], \"_type\": \"ClassLabel\"}, \"idx\": {\"dtype\": \"int32\", \"_type\": \"Value\"}}}}";

    /// <summary>
    /// The rows of an SNLI CSV (gold label "-" as -1, as GLUE stores unlabelled rows) as premise, hypothesis,
    /// label (int64, required: the "not null" of the video's error), idx (int32, the row number).
    /// </summary>
    public static async Task<byte[]> GenerateAsync(string snliCsv)
    {
        var rows = NliLoader.Load(snliCsv).Rows.ToList();
        var premise = new DataField<string>("premise", true);
        var hypothesis = new DataField<string>("hypothesis", true);
        var label = new DataField<long>("label", false);
        var idx = new DataField<int?>("idx", true);
        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(premise, hypothesis, label, idx), stream))
        {
            writer.CustomMetadata = new Dictionary<string, string> { ["huggingface"] = HuggingFaceMetadata };
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(premise, rows.Select(r => r.Premise).ToArray());
            await group.WriteAsync(hypothesis, rows.Select(r => r.Hypothesis).ToArray());
            await group.WriteAsync<long>(label, rows.Select(r => (long)r.Label).ToArray().AsMemory());
            await group.WriteAsync<int>(idx, rows.Select((_, i) => (int?)i).ToArray().AsMemory());
        }

        return stream.ToArray();
    }
}
