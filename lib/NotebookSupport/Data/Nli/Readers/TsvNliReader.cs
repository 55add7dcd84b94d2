namespace NotebookSupport.Data.Nli.Readers;

/// <summary>
/// Reads tab-separated NLI files with a header line and no quoting (fields never contain tabs or newlines and
/// quotes are literal text, which is how GLUE and sentence-transformers read them, <c>csv.QUOTE_NONE</c>):
/// GLUE MNLI <c>.tsv</c> and sentence-transformers' <c>AllNLI.tsv.gz</c>.
/// </summary>
internal static class TsvNliReader
{
    /// <summary>GLUE MNLI: sentence1, sentence2, gold_label (absent in the unlabelled test files: -1); index becomes idx as in Hugging Face.</summary>
    public static NliDataset LoadGlue(string path, IProgress<NliLoadProgress>? progress) =>
        Load(path, progress, "sentence1", "sentence2", "gold_label", labelRequired: false,
        [
            ("index", new NliFeature("idx", NliValueType.Int32)),
            ("promptID", new NliFeature("promptID", NliValueType.Int32)),
            ("pairID", NliFeature.Text("pairID")),
            ("genre", NliFeature.Text("genre")),
        ]);

    /// <summary>AllNLI: split, dataset, filename, sentence1, sentence2, label.</summary>
    public static NliDataset LoadAllNli(string path, IProgress<NliLoadProgress>? progress) =>
        Load(path, progress, "sentence1", "sentence2", "label", labelRequired: true,
        [
            ("split", NliFeature.Text("split")),
            ("dataset", NliFeature.Text("dataset")),
            ("filename", NliFeature.Text("filename")),
        ]);

    /// <summary>The header fields of a TSV file (for format detection).</summary>
    public static string[] ReadHeader(string path)
    {
        using var file = TextDataFile.Open(path);
        return file.ReadLine()?.Split('\t') ?? [];
    }

    private static NliDataset Load(
        string path,
        IProgress<NliLoadProgress>? progress,
        string premiseColumn,
        string hypothesisColumn,
        string labelColumn,
        bool labelRequired,
        (string Source, NliFeature Feature)[] knownExtras)
    {
        using var file = TextDataFile.Open(path);
        var header = file.ReadLine()?.Split('\t')
            ?? throw new DataFormatException(path, 1, $"the file is empty; expected a header line with {premiseColumn}, {hypothesisColumn} and {labelColumn}.");
        int Index(string column, bool required)
        {
            var index = Array.IndexOf(header, column);
            return index >= 0 || !required
                ? index
                : throw new DataFormatException(path, 1, $"the header has no '{column}' column; found {string.Join(", ", header)}.");
        }

        var premise = Index(premiseColumn, true);
        var hypothesis = Index(hypothesisColumn, true);
        var label = Index(labelColumn, labelRequired);
        var extras = knownExtras.Where(e => Index(e.Source, false) >= 0).ToArray();
        var extraIndices = extras.Select(e => Index(e.Source, true)).ToArray();
        var builder = new NliFrameBuilder(path, extras.Select(e => e.Feature).ToList(), progress, () => file.Position, file.Length);
        while (file.ReadLine() is { } line)
        {
            var lineNumber = file.LineNumber;
            if (line.Length == 0)
            {
                builder.SkipLine("blank line");
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length != header.Length)
            {
                throw new DataFormatException(path, lineNumber,
                    $"expected {header.Length} tab-separated fields as in the header, found {fields.Length}.");
            }

            var value = label >= 0 ? NliLabel.Parse(fields[label], path, lineNumber, labelColumn) : NliLabel.None;
            if (!builder.TryAdd(fields[premise], fields[hypothesis], value))
            {
                continue;
            }

            for (var i = 0; i < extras.Length; i++)
            {
                builder.AddExtraText(i, fields[extraIndices[i]], lineNumber);
            }
        }

        return builder.Build();
    }
}
