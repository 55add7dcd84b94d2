using NotebookSupport.Data;
using NotebookSupport.Data.Nli;

namespace NotebookSupport.Tests.Data.Nli;

/// <summary>
/// Bad input is either an error naming file and line (structural problems) or a counted skip (rows without a
/// sentence); line-end and BOM variants load exactly like the clean file.
/// </summary>
public sealed class NliBadInputTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("AllNLI.tsv.gz")]
    [InlineData("snli.csv.gz")]
    [InlineData("multinli.jsonl.gz")]
    public void TruncatedGzipIsAnErrorWithFileAndLine(string name)
    {
        var rows = Enumerable.Range(0, 5_000).Select(i => new FixtureRow($"Premise number {i} about {i * 7919 % 1000} horses.", $"Hypothesis {i}.", i % 3));
        var whole = _temp.File("whole.gz");
        NliFixtures.WriteGzip(whole, name switch
        {
            "AllNLI.tsv.gz" => NliFixtures.AllNliTsv(rows),
            "snli.csv.gz" => NliFixtures.Csv(rows),
            _ => NliFixtures.MultiNliJsonl(rows),
        });
        var bytes = File.ReadAllBytes(whole);
        var path = _temp.File(name);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Equal(path, error.File);
        Assert.NotNull(error.Line);
        Assert.InRange(error.Line!.Value, 2, 5_001);
        Assert.True(error.Message.Contains("truncated", StringComparison.Ordinal), error.Message);
        Assert.StartsWith($"{path}:{error.Line}:", error.Message);
    }

    [Fact]
    public void GzipCutInsideItsHeaderIsAnError()
    {
        var path = _temp.File("snli.jsonl.gz");
        File.WriteAllBytes(path, [0x1f, 0x8b, 0x08, 0x00, 0x00]);

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Equal(path, error.File);
        Assert.True(error.Message.Contains("truncated", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void JsonlLineThatIsNotJsonIsAnErrorAtThatLine()
    {
        var good = NliFixtures.SnliJsonl(NliFixtures.Rows[..2]);
        var path = _temp.File("snli_1.0_train.jsonl");
        NliFixtures.WriteUtf8(path, good + "{\"gold_label\": \"neutral\", \"sentence1\": \"A man\n" + NliFixtures.SnliJsonl(NliFixtures.Rows[2..]));

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Equal(3, error.Line);
        Assert.Contains("not valid JSON", error.Message);
    }

    [Theory]
    [InlineData("train.tsv")]
    [InlineData("multinli.jsonl")]
    public void TextThatIsNotUtf8IsAnErrorAtItsLine(string name)
    {
        // 3,000 rows (far past the reader's first buffer), then a Latin-1 "café" in row 2,001.
        var rows = Enumerable.Range(0, 3_000).Select(i => new FixtureRow($"Premise {i} in a caf\u00e9.", $"Hypothesis {i}.", i % 3)).ToArray();
        var text = name.EndsWith(".tsv", StringComparison.Ordinal) ? NliFixtures.GlueTsv(rows) : NliFixtures.MultiNliJsonl(rows);
        var lines = text.Split('\n');
        var header = name.EndsWith(".tsv", StringComparison.Ordinal) ? 1 : 0;
        var bad = header + 2_000;
        var bytes = new List<byte>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = i < lines.Length - 1 ? lines[i] + "\n" : lines[i];
            // The JSON writer escapes the é; unescaped, it becomes the one byte 0xE9 that UTF-8 does not allow there.
            bytes.AddRange(i == bad ? System.Text.Encoding.Latin1.GetBytes(line.Replace("\\u00E9", "\u00e9", StringComparison.OrdinalIgnoreCase)) : System.Text.Encoding.UTF8.GetBytes(line));
        }
        var path = _temp.File(name);
        File.WriteAllBytes(path, [.. bytes]);

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Equal(bad + 1, error.Line);
        Assert.Equal($"{path}:{bad + 1}: the text is not valid UTF-8.", error.Message);
    }

    [Fact]
    public void JsonlLineMissingAFieldIsAnError()
    {
        var path = _temp.File("snli.jsonl");
        NliFixtures.WriteUtf8(path, NliFixtures.SnliJsonl(NliFixtures.Rows[..1]) + "{\"gold_label\": \"neutral\", \"sentence1\": \"A man.\", \"captionID\": \"1\", \"pairID\": \"1\"}\n");

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Equal(2, error.Line);
        Assert.Contains("\"sentence2\"", error.Message);
    }

    [Fact]
    public void TsvRowWithAMissingColumnIsAnErrorAtThatLine()
    {
        var lines = NliFixtures.GlueTsv(NliFixtures.Rows).Split('\n');
        lines[3] = lines[3][..lines[3].LastIndexOf('\t')];
        var path = _temp.File("train.tsv");
        NliFixtures.WriteUtf8(path, string.Join('\n', lines));

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Equal(4, error.Line);
        Assert.Contains("expected 12 tab-separated fields as in the header, found 11", error.Message);
    }

    [Fact]
    public void CsvRowWithAMissingColumnIsAnErrorAtThatLine()
    {
        var path = _temp.File("snli.csv");
        NliFixtures.WriteUtf8(path, "similarity,sentence1,sentence2\nentailment,A man.,A person.\nneutral,Only one sentence.\n");

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Equal(3, error.Line);
        Assert.Contains("expected 3 comma-separated fields", error.Message);
    }

    [Fact]
    public void CsvErrorAfterAMultiLineRecordNamesTheRecordsFirstLine()
    {
        var path = _temp.File("snli.csv");
        NliFixtures.WriteUtf8(path, "similarity,sentence1,sentence2\nentailment,\"Two lines,\nin one field.\",A person.\nentailed,A man.,A person.\n");

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Equal(4, error.Line);
    }

    [Fact]
    public void CsvQuoteInsideAnUnquotedFieldIsAnErrorAtThatLine()
    {
        var path = _temp.File("snli.csv");
        NliFixtures.WriteUtf8(path, "similarity,sentence1,sentence2\nentailment,A man.,A person.\nneutral,He said \"hi\" twice.,A man spoke.\n");

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Equal(3, error.Line);
        Assert.Contains("RFC 4180", error.Message);
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("tsv")]
    [InlineData("jsonl")]
    [InlineData("allnli")]
    public void UnknownLabelStringIsAnErrorNamingIt(string format)
    {
        var rows = NliFixtures.Rows.ToArray();
        var path = Write(format, rows).Replace("entailment", "entailed", StringComparison.Ordinal);
        var file = _temp.File(FileName(format));
        Write(file, format, path);

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(file));

        Assert.Equal(file, error.File);
        Assert.Equal(format is "jsonl" ? 2 : 3, error.Line);
        Assert.Contains("\"entailed\"", error.Message);
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("tsv")]
    [InlineData("jsonl")]
    [InlineData("allnli")]
    [InlineData("parquet")]
    public async Task EmptyOrWhitespaceSentencesAreCountedSkips(string format)
    {
        FixtureRow[] rows =
        [
            NliFixtures.Rows[0],
            NliFixtures.Rows[1] with { Hypothesis = "" },
            NliFixtures.Rows[2] with { Hypothesis = "   " },
            NliFixtures.Rows[3] with { Premise = " " },
            NliFixtures.Rows[4],
        ];
        var file = _temp.File(FileName(format));
        if (format == "parquet")
        {
            await NliFixtures.WriteHfParquetAsync(file, rows, withIdx: true);
        }
        else
        {
            Write(file, format, Write(format, rows));
        }

        var dataset = NliLoader.Load(file);

        Assert.Equal([NliFixtures.Rows[0].Hypothesis, NliFixtures.Rows[4].Hypothesis], dataset.Rows.Select(r => r.Hypothesis));
        Assert.Equal(2, dataset.Skipped["empty hypothesis"]);
        Assert.Equal(1, dataset.Skipped["empty premise"]);
        if (format is "tsv" or "parquet")
        {
            Assert.Equal(format == "tsv" ? [0, 4] : new int?[] { 0, 4 }, (IEnumerable<int?>)dataset.Frame.Columns["idx"]);
        }
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("tsv")]
    [InlineData("jsonl")]
    public void CrlfLineEndsAndAByteOrderMarkLoadLikeTheCleanFile(string format)
    {
        var clean = _temp.File("clean-" + FileName(format));
        var windows = _temp.File("windows-" + FileName(format));
        var text = Write(format, NliFixtures.Rows);
        NliFixtures.WriteUtf8(clean, text);
        NliFixtures.WriteUtf8(windows, text.Replace("\n", "\r\n"), bom: true);

        var expected = NliLoader.Load(clean);
        var actual = NliLoader.Load(windows);

        Assert.Equal(expected.Rows, actual.Rows);
        Assert.Equal(expected.ColumnNames, actual.ColumnNames);
        Assert.Empty(actual.Skipped);
        Assert.DoesNotContain(actual.Rows, r => r.Hypothesis!.EndsWith('\r'));
    }

    [Fact]
    public void BlankLinesAreCountedNotSilentlyDropped()
    {
        var path = _temp.File("snli.jsonl");
        NliFixtures.WriteUtf8(path, NliFixtures.SnliJsonl(NliFixtures.Rows[..2]) + "\n   \n" + NliFixtures.SnliJsonl(NliFixtures.Rows[2..]));

        var dataset = NliLoader.Load(path);

        Assert.Equal(5, dataset.RowCount);
        Assert.Equal(2, dataset.Skipped["blank line"]);
    }

    [Fact]
    public async Task ParquetWithoutALabelColumnIsAnErrorListingTheColumns()
    {
        var path = _temp.File("other.parquet");
        var field = new Parquet.Schema.DataField<string>("text");
        await using (var stream = File.Create(path))
        await using (var writer = await Parquet.ParquetWriter.CreateAsync(new Parquet.Schema.ParquetSchema(field), stream))
        {
            using var group = writer.CreateRowGroup();
            await group.WriteAsync(field, new[] { "a" });
        }

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Contains("no 'premise' column", error.Message);
        Assert.Contains("text", error.Message);
    }

    [Fact]
    public async Task ParquetLabelOutsideTheClassesIsAnErrorNamingTheRow()
    {
        var path = _temp.File("train.parquet");
        await NliFixtures.WriteHfParquetAsync(path, [NliFixtures.Rows[0], NliFixtures.Rows[1] with { Label = 3 }], withIdx: false);

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Contains("row 2 has label 3", error.Message);
    }

    [Fact]
    public void AFileThatIsNotParquetIsAnError()
    {
        var path = _temp.File("snli.parquet");
        File.WriteAllText(path, "premise,hypothesis,label\n");

        var error = Assert.Throws<DataFormatException>(() => NliLoader.Load(path));

        Assert.Equal(path, error.File);
        Assert.Contains("parquet", error.Message);
    }

    private static string FileName(string format) => format switch
    {
        "csv" => "snli.csv",
        "tsv" => "train.tsv",
        "jsonl" => "multinli.jsonl",
        "allnli" => "AllNLI.tsv.gz",
        _ => "train.parquet",
    };

    private static string Write(string format, IEnumerable<FixtureRow> rows) => format switch
    {
        "csv" => NliFixtures.Csv(rows),
        "tsv" => NliFixtures.GlueTsv(rows),
        "jsonl" => NliFixtures.MultiNliJsonl(rows),
        _ => NliFixtures.AllNliTsv(rows),
    };

    private static void Write(string path, string format, string text)
    {
        if (format == "allnli")
        {
            NliFixtures.WriteGzip(path, text);
        }
        else
        {
            NliFixtures.WriteUtf8(path, text);
        }
    }
}
