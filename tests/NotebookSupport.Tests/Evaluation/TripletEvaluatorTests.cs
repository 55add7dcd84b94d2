using NotebookSupport.Data;
using NotebookSupport.Data.Nli;
using NotebookSupport.Evaluation;
using NotebookSupport.Tests.Data;
using NotebookSupport.Tests.Training;
using NotebookSupport.Util;

namespace NotebookSupport.Tests.Evaluation;

[Collection(RunsAlone.Name)]  // SingleThreaded sets torch's process-wide thread count
public sealed class TripletEvaluatorTests
{
    [Fact]
    public void AccuracyCountsTripletsWhosePositiveScoresHigher()
    {
        // Five triplets: 0.9 > 0.1 right, 0.5 > 0.4 right, 0.3 < 0.6 wrong, 0.2 = 0.2 a tie (wrong), 0.8 > -0.1 right: 3 of 5.
        Assert.Equal(0.6, TripletEvaluator.Accuracy([0.9, 0.5, 0.3, 0.2, 0.8], [0.1, 0.4, 0.6, 0.2, -0.1]), 12);
        Assert.True(double.IsNaN(TripletEvaluator.Accuracy([0.9, double.NaN], [0.1, 0.2])));
    }

    [Fact]
    public void EvaluateCountsTheModelsCosineRankingsAndReports() => SingleThreaded.Run(() =>
    {
        using var model = TestModels.Tiny(seed: 5);
        string[] anchors = ["A man plays a guitar.", "Two dogs run in the snow.", "A child eats an apple.", "A man plays a guitar."];
        string[] positives = ["Someone makes music.", "Animals are outside.", "A kid has a snack.", "A person is playing."];
        string[] negatives = ["The man is asleep.", "The dogs are indoors.", "The child is crying.", "Nobody is playing."];
        var evaluator = new TripletEvaluator(anchors, positives, negatives, "four");

        var embeddings = model.Encode([.. anchors, .. positives, .. negatives]);
        var right = Enumerable.Range(0, 4).Count(i =>
            Similarity.PairwiseCosSim([embeddings[i]], [embeddings[4 + i]])[0] > Similarity.PairwiseCosSim([embeddings[i]], [embeddings[8 + i]])[0]);
        var result = evaluator.Evaluate(model);

        Assert.Equal(right / 4.0, result.Accuracy);
        Assert.Equal("cosine_accuracy", result.PrimaryMetric);
        Assert.Equal(result.Accuracy, result.PrimaryScore);
        Assert.Equal($"four: accuracy {100 * result.Accuracy:F2}% (cosine, 4 triplets)", result.ToString());
        return 0;
    });

    [Fact]
    public void SnliTestTripletsAreToTripletsAndReportSkippedPremises()
    {
        var path = RepoData.Path("snli", "snli_1.0_test.csv");
        var evaluator = TripletEvaluator.FromNliFile(path);
        var dataset = NliLoader.Load(path);
        var triplets = dataset.ToTriplets();

        Assert.Equal(triplets.Examples.Count, evaluator.Count);
        Assert.Equal(triplets.Dropped, evaluator.Dropped);
        var premises = dataset.Rows.Select(r => r.Premise).Distinct().Count();
        Assert.Equal(premises - triplets.Examples.Select(e => e.Texts[0]).Distinct().Count(), evaluator.SkippedPremises);
        Assert.True(evaluator.SkippedPremises > 0);
        Assert.Equal("snli_1.0_test", evaluator.Name);
    }

    [Fact]
    public void FromExamplesTakesOneTripletPerNegativeColumnAndRefusesPairs()
    {
        var evaluator = TripletEvaluator.FromExamples([new InputExample("a", "p", "n1", "n2"), new InputExample("b", "q", "m")]);
        Assert.Equal(3, evaluator.Count);
        var error = Assert.Throws<ArgumentException>(() => TripletEvaluator.FromExamples([new InputExample("a", "p")]));
        Assert.Contains("Example 0 has 2 texts", error.Message);
    }
}
