using Microsoft.Data.Analysis;
using NotebookSupport.Data.Nli;

namespace NotebookSupport.Tests.Data.Nli;

/// <summary>Pairs, triplets and labelled examples from hand-made rows.</summary>
public sealed class NliExampleExtractionTests
{
    [Fact]
    public void PairsAreTheEntailmentRows()
    {
        var dataset = Dataset(
            ("A", "a-entailed", 0),
            ("A", "a-neutral", 1),
            ("B", "b-contradicted", 2),
            ("B", "b-entailed", 0),
            ("C", "c-unsure", -1));

        var pairs = dataset.ToPairs();

        Assert.Equal([["A", "a-entailed"], ["B", "b-entailed"]], pairs.Examples.Select(e => e.Texts.ToArray()));
        Assert.All(pairs.Examples, e => Assert.Null(e.Label));
        Assert.Equal(new Dictionary<string, long> { ["neutral"] = 1, ["contradiction"] = 1, ["none"] = 1 }, pairs.Dropped);
    }

    [Fact]
    public void TripletsTakeHardNegativesFromContradictionsOfTheSamePremise()
    {
        var dataset = Dataset(
            ("A", "a-contra-1", 2),
            ("A", "a-entail-1", 0),
            ("A", "a-entail-2", 0),
            ("B", "b-entail", 0),
            ("C", "c-contra", 2),
            ("D", "d-entail", 0),
            ("D", "d-contra-1", 2),
            ("D", "d-contra-2", 2),
            ("D", "d-neutral", 1),
            ("E", "e-unsure", -1));

        var triplets = dataset.ToTriplets();

        Assert.Equal(
            [["A", "a-entail-1", "a-contra-1"], ["A", "a-entail-2", "a-contra-1"], ["D", "d-entail", "d-contra-1"]],
            triplets.Examples.Select(e => e.Texts.ToArray()));
        Assert.Equal(
            new Dictionary<string, long>
            {
                ["entailment without a contradiction for its premise"] = 1,
                ["contradiction without an entailment for its premise"] = 1,
                ["contradiction left over (more contradictions than entailments for its premise)"] = 1,
                ["neutral"] = 1,
                ["none"] = 1,
            },
            triplets.Dropped);
    }

    [Fact]
    public void InputExamplesCarryTheLabelForSoftmaxLoss()
    {
        var dataset = Dataset(("A", "x", 0), ("A", "y", 2), ("B", "z", -1), ("B", "w", 1));

        var examples = dataset.ToInputExamples();

        Assert.Equal([0, 2, 1], examples.Examples.Select(e => e.Label!.Value));
        Assert.Equal(["A", "y"], examples.Examples[1].Texts);
        Assert.Equal(1, examples.Dropped["none"]);
    }

    private static NliDataset Dataset(params (string Premise, string Hypothesis, int Label)[] rows) =>
        new("hand-made",
            new DataFrame(
                new StringDataFrameColumn("premise", rows.Select(r => r.Premise)),
                new StringDataFrameColumn("hypothesis", rows.Select(r => r.Hypothesis)),
                new Int64DataFrameColumn("label", rows.Select(r => (long?)r.Label))),
            NliFeatures.Standard);
}
