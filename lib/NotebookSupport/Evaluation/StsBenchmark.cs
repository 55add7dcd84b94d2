using System.Globalization;
using NotebookSupport.Data;

namespace NotebookSupport.Evaluation;

/// <summary>
/// Reader for the STS benchmark files (<c>sts-train.csv</c>, <c>sts-dev.csv</c>, <c>sts-test.csv</c>; Cer et al., 2017).
/// </summary>
/// <remarks>
/// The files are tab-separated without header and without quoting: genre, file, year, id, score (0-5), sentence 1,
/// sentence 2, and on some lines two extra licence/source fields, which are ignored. Sentences contain raw
/// <c>"</c> characters, so a CSV reader that honours quotes would merge lines; this one splits on tabs only.
/// Blank lines carry no pair and are passed over; every other line must be a valid pair. The text must be UTF-8; a
/// gzipped file is read as well.
/// </remarks>
public static class StsBenchmark
{
    /// <summary>Reads all pairs of an STS benchmark file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">
    /// The text is not UTF-8, or a line has fewer than 7 fields or a score that is not a finite number in [0, 5] (<c>NaN</c> and <c>Infinity</c>
    /// parse as numbers but are refused: one NaN gold score makes every correlation NaN).
    /// </exception>
    public static IReadOnlyList<StsPair> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"STS benchmark file not found: '{path}'.", path);
        }

        var pairs = new List<StsPair>();
        using var file = TextDataFile.Open(path);
        while (file.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split('\t');
            if (fields.Length < 7)
            {
                throw new DataFormatException(path, file.LineNumber,
                    $"expected at least 7 tab-separated fields (genre, file, year, id, score, sentence1, sentence2), found {fields.Length}.");
            }

            if (!double.TryParse(fields[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var score)
                || !double.IsFinite(score) || score is < 0 or > 5)
            {
                throw new DataFormatException(path, file.LineNumber,
                    $"field 5: expected a finite similarity score between 0 and 5, found '{fields[4]}'.");
            }

            pairs.Add(new StsPair(fields[5], fields[6], score));
        }
        return pairs;
    }

    /// <summary>
    /// The pairs of an STS benchmark file as training examples for <c>CoSENTLoss</c>, <c>AnglELoss</c> and
    /// <c>CosineSimilarityLoss</c>: texts (sentence1, sentence2), label the gold score / 5, in [0, 1].
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">A line is not a valid pair (see <see cref="Load"/>).</exception>
    public static IReadOnlyList<InputExample> LoadInputExamples(string path) =>
        [.. Load(path).Select(p => new InputExample([p.Sentence1, p.Sentence2], p.Score / 5))];
}
