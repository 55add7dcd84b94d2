using NotebookSupport.Evaluation;
using NotebookSupport.Training;

namespace NotebookSupport.Cli.Reproduction;

/// <summary>What one experiment of a <c>reproduce</c> run found: its row and section of <c>report.md</c>.</summary>
internal sealed class ExperimentOutcome(ReproductionExperiment experiment)
{
    public ReproductionExperiment Experiment { get; } = experiment;
    public string ModelDescription { get; set; } = "";

    /// <summary>Estimated training time of all epochs, printed before any run starts.</summary>
    public TimeSpan Estimate { get; set; }
    public int Steps { get; set; }
    public int WarmupSteps { get; set; }

    /// <summary>Scored STSb train pairs of the second objective (<see cref="ReproductionExperiment.StsTrainObjective"/>), or 0.</summary>
    public int StsTrainPairs { get; set; }

    /// <summary>Scores before training (epoch 0) and after each epoch.</summary>
    public List<EpochScores> Scores { get; } = [];
    public TrainingResult? Training { get; set; }

    /// <summary>The whole run: evaluations before training, training with its per-epoch evaluations, heatmap.</summary>
    public TimeSpan Elapsed { get; set; }
    public HeatmapOutcome? Heatmap { get; set; }
}

/// <summary>STSb dev and test after <paramref name="Epoch"/> epochs (0 = before training), and that epoch's mean training loss.</summary>
internal sealed record EpochScores(int Epoch, SimilarityResult Dev, SimilarityResult Test, double? MeanLoss);

/// <summary>The cosine similarities of the heatmap sentences before and after training.</summary>
/// <param name="Sentences">The heatmap's sentences (data/heatmap/sentences.txt).</param>
/// <param name="Before">Their cosine similarities before training.</param>
/// <param name="After">Their cosine similarities after training.</param>
/// <param name="WordCounts">How many training texts each word of the heatmap sentences occurs in.</param>
internal sealed record HeatmapOutcome(IReadOnlyList<string> Sentences, float[][] Before, float[][] After, IReadOnlyDictionary<string, int> WordCounts)
{
    /// <summary>
    /// The three paraphrase pairs of data/heatmap/sentences.txt (rows counted from 0), which share no word: only a model
    /// that encodes meaning, not word overlap, puts each pair's sentences closest to each other.
    /// </summary>
    public static readonly (int A, int B)[] ParaphrasePairs = [(1, 9), (3, 4), (5, 7)];

    /// <summary>Whether, in both of its rows, the pair's cell is the largest off-diagonal one.</summary>
    public static bool StandsOut(float[][] similarities, (int A, int B) pair) =>
        LargestOther(similarities, pair.A, pair.B) < similarities[pair.A][pair.B]
        && LargestOther(similarities, pair.B, pair.A) < similarities[pair.B][pair.A];

    /// <summary>The largest similarity in either row of <paramref name="pair"/> to any sentence but the two of the pair.</summary>
    public static float LargestOtherOfRows(float[][] similarities, (int A, int B) pair) =>
        Math.Max(LargestOther(similarities, pair.A, pair.B), LargestOther(similarities, pair.B, pair.A));

    /// <summary>The largest similarity of <paramref name="row"/> to any sentence but itself and <paramref name="partner"/>.</summary>
    public static float LargestOther(float[][] similarities, int row, int partner) =>
        Enumerable.Range(0, similarities.Length).Where(j => j != row && j != partner).Max(j => similarities[row][j]);
}
