using System.Globalization;
using System.Text;

namespace NotebookSupport.Data;

/// <summary>
/// The pairs/triplets file that <c>prepare-nli</c> writes and the train command reads: UTF-8 (no byte order
/// mark), LF line ends, tab-separated, no quoting, a header line and one example per line:
/// <code>
/// anchor	positive
/// A person on a horse jumps over a broken down airplane.	A person is outdoors, on a horse.
/// </code>
/// or, for triplets, <c>anchor	positive	negative</c>, or, for several hard negatives per example (as
/// <c>mine-negatives</c> writes them, sentence-transformers' "n-tuple" format),
/// <c>anchor	positive	negative_1	...	negative_n</c>, or, for pairs with a similarity score (the label of
/// <c>CoSENTLoss</c>, <c>AnglELoss</c> and <c>CosineSimilarityLoss</c>), <c>sentence1	sentence2	score</c> with
/// the score a number in invariant culture (<c>0.84</c>). Because the format has no quoting, tabs and line breaks
/// inside a sentence are written as single spaces (a tokenizer treats them as whitespace anyway); the
/// number of sentences changed that way is returned.
/// </summary>
public static class InputExampleTsv
{
    /// <summary>
    /// The column names, in order, for 2 (pairs), 3 (triplets) or more texts per example:
    /// anchor, positive, negative; or anchor, positive, negative_1, ..., negative_n.
    /// </summary>
    public static IReadOnlyList<string> Columns(int textsPerExample) => textsPerExample switch
    {
        2 => ["anchor", "positive"],
        3 => ["anchor", "positive", "negative"],
        > 3 => ["anchor", "positive", .. Enumerable.Range(1, textsPerExample - 2).Select(i => $"negative_{i}")],
        _ => throw new ArgumentOutOfRangeException(nameof(textsPerExample), textsPerExample, "Examples have 2 (anchor, positive), 3 (anchor, positive, negative) or more (anchor, positive, negative_1 ... negative_n) texts."),
    };

    /// <summary>The column names of pairs with a similarity score: sentence1, sentence2, score.</summary>
    public static IReadOnlyList<string> ScoredColumns { get; } = ["sentence1", "sentence2", "score"];

    /// <summary>
    /// Writes the examples, which must all have <paramref name="textsPerExample"/> texts, atomically (a failed
    /// write leaves no partial file); returns how many sentences had tabs or line breaks replaced.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="examples">The examples.</param>
    /// <param name="textsPerExample">2 (pairs) or 3 (triplets).</param>
    /// <param name="scored">Write pairs with their label as a score column (<see cref="ScoredColumns"/>); every example needs a label.</param>
    public static long Write(string path, IEnumerable<InputExample> examples, int textsPerExample, bool scored = false)
    {
        if (scored && textsPerExample != 2)
        {
            throw new ArgumentOutOfRangeException(nameof(textsPerExample), textsPerExample, "Scored examples are pairs: 2 texts and a score.");
        }
        var columns = scored ? ScoredColumns : Columns(textsPerExample);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var partial = $"{path}.{Guid.NewGuid():N}.incomplete";
        try
        {
            var replaced = WriteTo(partial, examples, columns, scored);
            File.Move(partial, path, overwrite: true);
            return replaced;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static long WriteTo(string path, IEnumerable<InputExample> examples, IReadOnlyList<string> columns, bool scored)
    {
        var textsPerExample = scored ? 2 : columns.Count;
        long replaced = 0;
        long index = 0;
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
        writer.WriteLine(string.Join('\t', columns));
        foreach (var example in examples)
        {
            if (example.Texts.Count != textsPerExample)
            {
                throw new ArgumentException($"Example {index} has {example.Texts.Count} texts; expected {textsPerExample} ({string.Join(", ", columns)}).", nameof(examples));
            }

            for (var i = 0; i < textsPerExample; i++)
            {
                var text = example.Texts[i];
                if (text.AsSpan().IndexOfAny('\t', '\r', '\n') >= 0)
                {
                    text = text.Replace("\r\n", " ").Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');
                    replaced++;
                }

                if (i > 0)
                {
                    writer.Write('\t');
                }

                writer.Write(text);
            }

            if (scored)
            {
                var score = example.Label is { } label && double.IsFinite(label)
                    ? label
                    : throw new ArgumentException($"Example {index} has no finite score to write: {example}.", nameof(examples));
                writer.Write('\t');
                writer.Write(score.ToString("R", CultureInfo.InvariantCulture));
            }

            writer.WriteLine();
            index++;
        }

        return replaced;
    }

    /// <summary>Whether <paramref name="header"/> is the first line of a file <see cref="Read"/> reads.</summary>
    public static bool IsHeader(string? header)
    {
        var columns = header?.Split('\t') ?? [];
        return (columns.Length >= 2 && columns.SequenceEqual(Columns(columns.Length))) || columns.SequenceEqual(ScoredColumns);
    }

    /// <summary>
    /// Whether the file at <paramref name="path"/> starts with such a header: a file <see cref="Read"/> reads, not an
    /// NLI or STS benchmark file. A file whose first line cannot be read as text (parquet, a corrupt gzip) is not.
    /// </summary>
    public static bool IsFile(string path)
    {
        try
        {
            using var file = TextDataFile.Open(path);
            return IsHeader(file.ReadLine());
        }
        catch (DataFormatException)
        {
            return false;
        }
    }

    /// <summary>Reads a file written by <see cref="Write"/> (pairs, triplets, n negatives or scored pairs, told by the header).</summary>
    /// <exception cref="DataFormatException">
    /// The header is not anchor/positive[/negative or /negative_1.../negative_n] or sentence1/sentence2/score, or a line
    /// has the wrong number of fields, an empty text or a score that is not a finite number.
    /// </exception>
    public static IReadOnlyList<InputExample> Read(string path)
    {
        const string Expected = "expected the header 'anchor<TAB>positive', 'anchor<TAB>positive<TAB>negative', "
                                + "'anchor<TAB>positive<TAB>negative_1<TAB>...<TAB>negative_n' or 'sentence1<TAB>sentence2<TAB>score'";
        using var file = TextDataFile.Open(path);
        var header = file.ReadLine()
            ?? throw new DataFormatException(path, 1, $"the file is empty; {Expected}.");
        if (!IsHeader(header))
        {
            throw new DataFormatException(path, 1, $"{Expected}, found '{header}'.");
        }
        var columns = header.Split('\t');
        var scored = columns.SequenceEqual(ScoredColumns);

        var examples = new List<InputExample>();
        while (file.ReadLine() is { } line)
        {
            var texts = line.Split('\t');
            if (texts.Length != columns.Length)
            {
                throw new DataFormatException(path, file.LineNumber, $"expected {columns.Length} tab-separated texts ({header.Replace('\t', ',')}), found {texts.Length}.");
            }

            if (texts.Any(string.IsNullOrWhiteSpace))
            {
                throw new DataFormatException(path, file.LineNumber, "a text is empty.");
            }

            if (!scored)
            {
                examples.Add(new InputExample(texts));
            }
            else if (double.TryParse(texts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var score) && double.IsFinite(score))
            {
                examples.Add(new InputExample(texts[..2], score));
            }
            else
            {
                throw new DataFormatException(path, file.LineNumber, $"the score '{texts[2]}' is not a finite number.");
            }
        }

        return examples;
    }
}
