using NotebookSupport.Cli;
using NotebookSupport.Data;

namespace NotebookSupport.Tests.Training;

[Collection(RunsAlone.Name)]
public sealed class MineNegativesCommandTests
{
    [Fact]
    public void MinedNegativesAreWrittenAtomicallyNotOverwrittenAndTrainedOn() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var pairs = temp.Combine("pairs.tsv");
        InputExampleTsv.Write(pairs, SnliPairs.Get(40), 2);
        var mined = temp.Combine("mined.tsv");
        string[] mine = ["mine-negatives", "--model", "random:bert-tiny", "--data", pairs, "--output", mined, "--num-negatives", "2",
                         "--max-seq-length", "16", "--sampling", "random", "--seed", "3"];

        var (exitCode, stdout, stderr) = TrainCommandTests.Run(mine);

        Assert.True(exitCode == 0, stderr + stdout);
        Assert.Contains("40 pairs", stdout);
        Assert.Equal("anchor\tpositive\tnegative_1\tnegative_2", File.ReadLines(mined).First());
        var examples = InputExampleTsv.Read(mined);
        Assert.Equal(40, examples.Count);
        Assert.All(examples, e => Assert.DoesNotContain(e.Texts[1], e.Texts.Skip(2)));
        Assert.Single(Directory.GetFiles(temp.Path, "mined.tsv*"));

        // An existing output is kept unless --overwrite.
        var before = File.ReadAllText(mined);
        var (refusedExit, _, refusedError) = TrainCommandTests.Run(mine);
        Assert.Equal(CliApp.RuntimeFailure, refusedExit);
        Assert.Contains("--overwrite", refusedError);
        Assert.Equal(before, File.ReadAllText(mined));
        var (tripletsExit, _, tripletsError) = TrainCommandTests.Run([.. mine, "--overwrite", "--as-triplets"]);
        Assert.True(tripletsExit == 0, tripletsError);
        Assert.Equal("anchor\tpositive\tnegative", File.ReadLines(mined).First());
        Assert.Equal(80, InputExampleTsv.Read(mined).Count);

        // train reads what mine-negatives writes, with n negative columns too.
        var (nTupleExit, _, nTupleError) = TrainCommandTests.Run([.. mine, "--overwrite"]);
        Assert.True(nTupleExit == 0, nTupleError);
        var (trainExit, trainOutput, trainError) = TrainCommandTests.Run("train", "--model", "random:bert-tiny", "--data", mined, "--output", temp.Combine("model"),
            "--hard-negatives", "--batch-size", "8", "--max-seq-length", "16", "--checkpoint-steps", "0", "--no-progress");
        Assert.True(trainExit == 0, trainError + trainOutput);
        Assert.Contains("40 examples with 2 negatives", trainOutput);
        Assert.Matches("done: [1-9][0-9]* steps", trainOutput);
        return 0;
    });
}
