using System.Globalization;
using System.Text.RegularExpressions;

namespace NotebookSupport.Notebooks.Tests;

/// <summary>
/// Compares the figures a notebook's committed outputs show with those of a fresh run of the same notebook: every
/// number in each code cell's visible output text (streams, displays, results, the labels of SVG figures), paired by
/// cell and position. Integers (row counts, label counts, steps) must be equal; decimals (scores, losses, cosine
/// similarities) may differ by <see cref="AbsoluteTolerance"/> plus <see cref="RelativeTolerance"/> of their size,
/// about 1.6 points on a Spearman score of 82. Timings are not figures of the experiment and are skipped: a number
/// followed by a unit of time (<c>12.3 s</c>, <c>40 ms</c>, <c>2 min</c>) or of speed (<c>5.1 it/s</c>), and clock
/// times (<c>00:12</c>).
/// </summary>
internal static partial class OutputDrift
{
    public const double AbsoluteTolerance = 0.02;
    public const double RelativeTolerance = 0.02;

    public const string RefreshCommand = "dotnet run --project lib/Cli -- run-notebooks --in-place";

    /// <summary>A number as shown, and its value.</summary>
    public sealed record Figure(string Text, double Value)
    {
        public bool IsInteger => !Text.Contains('.') && !Text.Contains('e') && !Text.Contains('E');

        public override string ToString() => Text;
    }

    /// <summary>The figures of a cell's outputs, in order, timings left out.</summary>
    public static IReadOnlyList<Figure> Figures(NotebookCell cell) =>
        cell.OutputTexts().SelectMany(text => Number().Matches(text))
            .Where(m => !m.Groups["timing"].Success)
            .Select(m => new Figure(m.Groups["number"].Value, double.Parse(m.Groups["number"].Value.Replace(",", ""), CultureInfo.InvariantCulture)))
            .ToList();

    /// <summary>
    /// One line per drifted figure, each naming the notebook, the cell index, the saved and the fresh value; empty when
    /// the saved outputs agree with the fresh run.
    /// </summary>
    public static IReadOnlyList<string> Compare(NotebookDocument saved, NotebookDocument fresh)
    {
        if (saved.Cells.Count != fresh.Cells.Count)
        {
            return [$"{saved.Name}: the saved notebook has {saved.Cells.Count} cells, the fresh run {fresh.Cells.Count}"];
        }

        var drifts = new List<string>();
        for (var i = 0; i < saved.Cells.Count; i++)
        {
            if (!saved.Cells[i].IsCode)
            {
                continue;
            }

            var before = Figures(saved.Cells[i]);
            var after = Figures(fresh.Cells[i]);
            if (before.Count != after.Count)
            {
                drifts.Add($"{saved.Name}: cell {i}: the saved outputs show {before.Count} figures [{string.Join(", ", before)}], a fresh run {after.Count} [{string.Join(", ", after)}]");
                continue;
            }

            drifts.AddRange(before.Zip(after).Where(pair => !Agree(pair.First, pair.Second))
                .Select(pair => $"{saved.Name}: cell {i}: saved {pair.First}, fresh run {pair.Second}"));
        }

        return drifts;
    }

    /// <summary>The failure message for <paramref name="drifts"/>: what drifted and how to refresh the outputs.</summary>
    public static string Explain(IReadOnlyList<string> drifts) =>
        string.Join('\n', drifts)
        + $"\nThe committed outputs no longer match what the notebook computes (integers must be equal; decimals may differ by {AbsoluteTolerance} + {RelativeTolerance:P0}). "
        + $"If the change is intended, refresh them in the real kernel and commit: {RefreshCommand}";

    private static bool Agree(Figure saved, Figure fresh) =>
        saved.IsInteger && fresh.IsInteger
            ? saved.Value == fresh.Value
            : Math.Abs(saved.Value - fresh.Value) <= AbsoluteTolerance + RelativeTolerance * Math.Max(Math.Abs(saved.Value), Math.Abs(fresh.Value));

    // A number not glued to a word ("L6", "v2", "snli_1.0") except as a dimension ("4x36x384"), thousands grouped
    // with commas; "timing" marks one followed by a unit of time or speed, or written as a clock time.
    [GeneratedRegex(@"(?:(?<![\p{L}\d_.])|(?<=\d[x×]))(?<number>-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)(?<timing>\s?(?:ms|µs|us|ns|s|sec|secs|seconds?|min|mins|minutes?|h|hours?)\b|\s?\p{L}*/s\b|(?::\d\d)+)?")]
    private static partial Regex Number();
}
