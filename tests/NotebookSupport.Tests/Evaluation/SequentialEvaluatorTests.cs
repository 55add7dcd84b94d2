using NotebookSupport.Evaluation;
using NotebookSupport.Tests.Data;
using NotebookSupport.Tests.Training;

namespace NotebookSupport.Tests.Evaluation;

[Collection(RunsAlone.Name)]  // SingleThreaded sets torch's process-wide thread count
public sealed class SequentialEvaluatorTests
{
    [Fact]
    public void RunsEachEvaluatorAndPrefixesTheirMetricsWithTheFirstPrimary() => SingleThreaded.Run(() =>
    {
        using var model = TestModels.Tiny(seed: 6);
        var sts = EmbeddingSimilarityEvaluator.FromStsFile(RepoData.Path("stsb", "sts-dev.csv"));
        var triplets = new TripletEvaluator(["A man plays a guitar.", "Two dogs run."], ["Someone makes music.", "Animals move."], ["Nobody plays.", "A cat sleeps."], "two");
        var sequential = new SequentialEvaluator(triplets, sts);

        var result = sequential.Evaluate(model);

        var (first, second) = (triplets.Evaluate(model), sts.Evaluate(model));
        Assert.Equal("two+sts-dev", result.Name);
        Assert.Equal(new EvaluationResult[] { first, second }, result.Results);
        Assert.Equal("two_cosine_accuracy", result.PrimaryMetric);
        Assert.Equal(first.Accuracy, result.PrimaryScore);
        Assert.Equal(second.SpearmanCosine, result.Metrics["sts-dev_spearman_cosine"]);
        Assert.Equal(first.Metrics.Count + second.Metrics.Count, result.Metrics.Count);
        Assert.Equal($"{first}; {second}", result.ToString());
        return 0;
    });

    [Fact]
    public void RefusesNoEvaluatorsAndTwoWithOneName()
    {
        Assert.Throws<ArgumentException>(() => new SequentialEvaluator());
        var a = new TripletEvaluator(["a"], ["p"], ["n"], "same");
        var error = Assert.Throws<ArgumentException>(() => new SequentialEvaluator(a, new TripletEvaluator(["b"], ["q"], ["m"], "same")));
        Assert.Contains("Two evaluators are named 'same'", error.Message);
    }
}
