using NotebookSupport.Data;
using NotebookSupport.Data.Nli;

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
        Assert.Equal(3, Assert.Throws<NliFormatException>(() => InputExampleTsv.Read(path)).Line);

        File.WriteAllText(path, "sentence1\tsentence2\na\tb\n");
        Assert.Equal(1, Assert.Throws<NliFormatException>(() => InputExampleTsv.Read(path)).Line);
    }
}
