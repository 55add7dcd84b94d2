using System.IO.Compression;
using NotebookSupport.Data;

namespace NotebookSupport.Tests.Data;

/// <summary>The pairs/triplets TSV that prepare-nli writes and the train command reads.</summary>
public sealed class InputExampleTsvTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void PairsTsvHasAHeaderAndRoundTrips()
    {
        var path = _temp.File("pairs.tsv");
        InputExample[] pairs = [new("A man plays.", "Someone plays."), new("Two\tdogs\nrun.", "Animals move.")];

        var replaced = InputExampleTsv.Write(path, pairs, 2);

        Assert.Equal(1, replaced);
        Assert.Equal("anchor\tpositive\nA man plays.\tSomeone plays.\nTwo dogs run.\tAnimals move.\n", File.ReadAllText(path));
        Assert.Equal([["A man plays.", "Someone plays."], ["Two dogs run.", "Animals move."]], InputExampleTsv.Read(path).Select(e => e.Texts.ToArray()));
    }

    [Fact]
    public void TripletsTsvHasANegativeColumn()
    {
        var path = _temp.File("triplets.tsv");

        InputExampleTsv.Write(path, [new InputExample("a", "p", "n")], 3);

        Assert.Equal("anchor\tpositive\tnegative\na\tp\tn\n", File.ReadAllText(path));
        Assert.Throws<ArgumentException>(() => InputExampleTsv.Write(path, [new InputExample("a", "p")], 3));
    }

    [Fact]
    public void ReadingABadPairsFileNamesTheLine()
    {
        var path = _temp.File("pairs.tsv");
        File.WriteAllText(path, "anchor\tpositive\na\tb\nc\n");
        Assert.Equal(3, Assert.Throws<DataFormatException>(() => InputExampleTsv.Read(path)).Line);

        File.WriteAllText(path, "sentence1\tsentence2\na\tb\n");
        Assert.Equal(1, Assert.Throws<DataFormatException>(() => InputExampleTsv.Read(path)).Line);
    }

    [Fact]
    public void IsFileTellsTheseFilesFromTheOthers()
    {
        var pairs = _temp.File("pairs.tsv");
        InputExampleTsv.Write(pairs, [new InputExample("a", "p")], 2);
        var gzipped = _temp.File("pairs.tsv.gz");
        using (var output = new GZipStream(File.Create(gzipped), CompressionLevel.Fastest))
        {
            output.Write(File.ReadAllBytes(pairs));
        }

        Assert.True(InputExampleTsv.IsFile(pairs));
        Assert.True(InputExampleTsv.IsFile(gzipped));
        Assert.Equal(InputExampleTsv.Read(pairs).Select(e => e.Texts.ToArray()), InputExampleTsv.Read(gzipped).Select(e => e.Texts.ToArray()));
        Assert.False(InputExampleTsv.IsFile(RepoData.Path("snli", "snli_1.0_dev.csv")));
        Assert.False(InputExampleTsv.IsFile(RepoData.Path("stsb", "sts-dev.csv")));
        // Binary: its first "line" is not UTF-8 text, which is an answer here, not an error.
        Assert.False(InputExampleTsv.IsFile(RepoData.Path("glue-style", "snli_1.0_test.glue-mnli.parquet")));
    }
}
