using Microsoft.Data.Analysis;
using NotebookSupport.Data.Nli;

namespace NotebookSupport.Tests.Data.Nli;

/// <summary>The tutorial's steps on Hugging Face parquet fixtures: remove idx, the schema error, cast, concatenate, filter, count.</summary>
public sealed class NliDatasetTests : IDisposable
{
    private static readonly FixtureRow[] _snliRows = NliFixtures.Rows;

    private static readonly FixtureRow[] _mnliRows =
    [
        new("Conceptually cream skimming has two basic dimensions - product and geography.", "Product and geography are what make cream skimming work.", 1),
        new("you know during the season and i guess at at your level uh you lose them to the next level", "You lose the things to the following level if the people recall.", 0),
        new("One of our number will carry out your instructions minutely.", "A member of my team will execute your orders with immense precision.", 0),
        new("How do you know? All this is their information again.", "This information belongs to them.", 2),
    ];

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task RemoveColumnsDropsMnliIdx()
    {
        var mnli = await LoadMnli();

        var removed = mnli.RemoveColumns("idx");

        Assert.Equal(["premise", "hypothesis", "label"], removed.ColumnNames);
        Assert.Equal(["premise", "hypothesis", "label"], removed.Frame.Columns.Select(c => c.Name));
        Assert.Equal(["premise", "hypothesis", "label", "idx"], mnli.ColumnNames);
        Assert.Throws<ArgumentException>(() => mnli.RemoveColumns("label"));
        Assert.Throws<ArgumentException>(() => mnli.RemoveColumns("genre"));
    }

    [Fact]
    public async Task ConcatenatingBeforeRemovingIdxNamesTheColumn()
    {
        var snli = await LoadSnli(labelRequired: false);
        var mnli = await LoadMnli();

        var error = Assert.Throws<SchemaMismatchException>(() => NliDataset.Concatenate(snli, mnli));

        Assert.Equal("idx", error.Column);
        Assert.Null(error.FirstType);
        Assert.Equal("int32", error.SecondType);
        Assert.Contains("mnli.RemoveColumns(\"idx\")", error.Message);
    }

    [Fact]
    public async Task NotNullLabelBlocksConcatenationUntilCastAsInTheVideo()
    {
        // The tutorial's SNLI Arrow table had "label: int64 not null" where MNLI's label is nullable.
        var snli = await LoadSnli(labelRequired: true);
        var mnli = (await LoadMnli()).RemoveColumns("idx");

        var error = Assert.Throws<SchemaMismatchException>(() => NliDataset.Concatenate(snli, mnli));

        Assert.Equal("label", error.Column);
        Assert.Equal("ClassLabel(entailment, neutral, contradiction): int64 not null", error.FirstType);
        Assert.Equal("ClassLabel(entailment, neutral, contradiction): int64", error.SecondType);
        Assert.Contains("column 'label' is ClassLabel(entailment, neutral, contradiction): int64 not null in 'snli' but ClassLabel(entailment, neutral, contradiction): int64 in 'mnli'", error.Message);

        var dataset = NliDataset.Concatenate(snli.Cast(mnli.Features), mnli);

        Assert.Equal(_snliRows.Length + _mnliRows.Length, dataset.RowCount);
        Assert.Equal("snli+mnli", dataset.Name);
        Assert.Equal(_snliRows.Concat(_mnliRows).Select(r => r.Hypothesis), dataset.Rows.Select(r => r.Hypothesis));
        Assert.Equal(_snliRows.Concat(_mnliRows).Select(r => r.Label), dataset.Rows.Select(r => r.Label));
        Assert.Equal(mnli.Features.ToString(), dataset.Features.ToString());
    }

    [Fact]
    public async Task WithTodaysHuggingFaceSchemaOnlyIdxNeedsRemoving()
    {
        var snli = await LoadSnli(labelRequired: false);
        var mnli = (await LoadMnli()).RemoveColumns("idx");

        var dataset = NliDataset.Concatenate(snli, mnli);

        Assert.Equal(9, dataset.RowCount);
    }

    [Fact]
    public async Task PlainIntegerLabelDiffersFromClassLabelUntilCast()
    {
        var plain = await LoadSnli(labelRequired: false);
        var frame = plain.Frame.Clone();
        var features = new NliFeatures([NliFeature.Text("premise"), NliFeature.Text("hypothesis"), new NliFeature("label", NliValueType.Int32)]);
        frame.Columns["label"] = new Int32DataFrameColumn("label", plain.Rows.Select(r => (int?)r.Label));
        var csvLike = new NliDataset("mine", frame, features);

        var error = Assert.Throws<SchemaMismatchException>(() => NliDataset.Concatenate(plain, csvLike));
        Assert.Equal("int32", error.SecondType);

        var dataset = NliDataset.Concatenate(plain, csvLike.Cast(plain.Features));
        Assert.Equal(plain.Rows.Concat(plain.Rows), dataset.Rows);
        Assert.IsType<Int64DataFrameColumn>(dataset.Frame.Columns["label"]);
    }

    [Fact]
    public async Task CastRefusesValuesThatDoNotFit()
    {
        var snli = await LoadSnli(labelRequired: false);
        var notNull = new NliFeatures([NliFeature.Text("premise"), NliFeature.Text("hypothesis"), NliFeature.Label() with { Nullable = false }]);
        var frame = snli.Frame.Clone();
        frame.Columns["label"][0] = null;
        var withNull = new NliDataset("snli", frame, snli.Features);

        var mnli = await LoadMnli();
        var nullError = Assert.Throws<InvalidOperationException>(() => withNull.Cast(notNull));
        Assert.Contains("1 nulls", nullError.Message);

        frame.Columns["label"][0] = 7L;
        var outOfRange = new NliDataset("snli", frame, snli.Features);
        var rangeError = Assert.Throws<InvalidOperationException>(() => outOfRange.Cast(notNull));
        Assert.Contains("row 0 holds 7", rangeError.Message);

        var missing = Assert.Throws<InvalidOperationException>(() => mnli.Cast(snli.Features));
        Assert.Contains("idx", missing.Message);
    }

    [Fact]
    public async Task FilterAndCountLabelsAsInTheVideo()
    {
        var snli = await LoadSnli(labelRequired: false);

        Assert.Equal(new NliLabelCounts(2, 1, 1, 1), snli.CountLabels());
        var labelled = snli.Filter(row => row.Label != NliLabel.None);
        Assert.Equal(new NliLabelCounts(2, 1, 1, 0), labelled.CountLabels());
        var entailment = snli.Filter(row => row.Label == NliLabel.Entailment);
        Assert.Equal(
            _snliRows.Where(r => r.Label == 0).Select(r => (r.Premise, r.Hypothesis)),
            entailment.Rows.Select(r => (r.Premise!, r.Hypothesis!)));
        Assert.Equal(5, snli.RowCount);
    }

    private async Task<NliDataset> LoadSnli(bool labelRequired)
    {
        var path = _temp.File($"snli-{labelRequired}.parquet");
        await NliFixtures.WriteHfParquetAsync(path, _snliRows, withIdx: false, labelRequired);
        var loaded = NliLoader.Load(path);
        return new NliDataset("snli", loaded.Frame, loaded.Features);
    }

    private async Task<NliDataset> LoadMnli()
    {
        var path = _temp.File("mnli.parquet");
        if (!File.Exists(path))
        {
            await NliFixtures.WriteHfParquetAsync(path, _mnliRows, withIdx: true);
        }

        var loaded = NliLoader.Load(path);
        return new NliDataset("mnli", loaded.Frame, loaded.Features);
    }
}
