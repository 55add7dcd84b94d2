using System.Text;
using System.Text.RegularExpressions;

namespace NotebookSupport.Bench;

/// <summary>
/// bench/RESULTS.md: one section per target, each replaced when that target runs again, so partial runs update
/// only what they measured. Sections are kept per CPU class and configuration (<see cref="Machine.Tag"/>), so the
/// results of several machines stand side by side. Every section carries its date, machine and load average.
/// </summary>
internal static partial class ResultsFile
{
    public static string Update(IReadOnlyList<TargetResult> results, string loadAtStart, string loadAtEnd, PyTorchReference? pytorch)
    {
        var path = Path.Combine(BenchData.RepoRoot, "bench", "RESULTS.md");
        var text = File.Exists(path) ? File.ReadAllText(path) : Header();
        foreach (var r in results)
        {
            var key = $"{r.Key} {Machine.Tag}";
            var section = new StringBuilder();
            section.AppendLine($"<!-- begin {key} -->");
            section.Append(r.ToMarkdown());
            section.AppendLine($"- Measured {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Machine.Describe()}; " +
                               $"load average {loadAtStart} at the start of the run, {loadAtEnd} at its end" +
                               (pytorch is null ? "." : $"; PyTorch reference run in the same command ({pytorch.Train?.Blas ?? pytorch.Encode?.Version})."));
            section.AppendLine($"<!-- end {key} -->");
            var pattern = new Regex($"<!-- begin {Regex.Escape(key)} -->.*?<!-- end {Regex.Escape(key)} -->\\r?\\n", RegexOptions.Singleline);
            text = pattern.IsMatch(text) ? pattern.Replace(text, section.ToString().Replace("$", "$$"), 1) : text + Environment.NewLine + section;
        }
        File.WriteAllText(path, text);
        return path;
    }

    private static string Header() =>
        """
        # Benchmark results

        Written by `dotnet run -c Release --project bench/NotebookSupport.Bench -- all --pytorch` (issue 6, "Benchmarks").
        Every ratio compares two measurements taken in the same run on the same machine; each section says when
        and where it was measured. Re-running one target replaces its section only.

        """;
}
