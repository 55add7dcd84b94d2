using System.Text;
using NotebookSupport.Evaluation;

namespace NotebookSupport.Bench;

/// <summary>The bundled data sets, read as the PyTorch reference scripts read them.</summary>
internal static class BenchData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string StsTestPath => Path.Combine(RepoRoot, "data", "stsb", "sts-test.csv");

    public static string[] SnliPaths =>
        [Path.Combine(RepoRoot, "data", "snli", "snli_1.0_dev.csv"), Path.Combine(RepoRoot, "data", "snli", "snli_1.0_test.csv")];

    /// <summary>The unique sentences of STSb test, sentence1 then sentence2 of every row, first occurrence kept (2,552).</summary>
    public static List<string> StsTestUniqueSentences()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var pair in StsBenchmark.Load(StsTestPath))
        {
            if (seen.Add(pair.Sentence1))
            {
                result.Add(pair.Sentence1);
            }

            if (seen.Add(pair.Sentence2))
            {
                result.Add(pair.Sentence2);
            }
        }
        return result;
    }

    /// <summary>(premise, hypothesis) of the <c>entailment</c> rows of SNLI dev and test, in file order (6,697 pairs).</summary>
    public static List<(string Anchor, string Positive)> SnliEntailmentPairs()
    {
        var pairs = new List<(string, string)>();
        foreach (var path in SnliPaths)
        {
            var rows = ReadCsv(path);
            if (rows.Count == 0 || rows[0] is not ["similarity", "sentence1", "sentence2", ..])
            {
                throw new InvalidDataException($"'{path}', line 1: expected the header similarity,sentence1,sentence2.");
            }

            for (int i = 1; i < rows.Count; i++)
            {
                if (rows[i].Count < 3)
                {
                    throw new InvalidDataException($"'{path}', record {i + 1}: expected 3 fields, found {rows[i].Count}.");
                }

                if (rows[i][0] == "entailment")
                {
                    pairs.Add((rows[i][1], rows[i][2]));
                }
            }
        }
        return pairs;
    }

    // RFC 4180: quoted fields may hold commas, doubled quotes and line breaks.
    private static List<List<string>> ReadCsv(string path)
    {
        var text = File.ReadAllText(path, Encoding.UTF8);
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c != '"')
                {
                    field.Append(c);
                }
                else if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c is '\n' or '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }

                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
            }
            else
            {
                field.Append(c);
            }
        }
        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            rows.Add(row);
        }
        return rows;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NotebookSupport.sln")))
            {
                return dir.FullName;
            }
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NotebookSupport.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Run the benchmark inside the repository: NotebookSupport.sln was not found above the current folder.");
    }
}
