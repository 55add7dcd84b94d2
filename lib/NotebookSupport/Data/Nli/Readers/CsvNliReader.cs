using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace NotebookSupport.Data.Nli.Readers;

/// <summary>
/// Reads RFC 4180 CSV with a header, like the bundled <c>data/snli/*.csv</c>: the gold label string in a
/// column named similarity, gold_label or label ("-" for none), sentence1 (premise) and sentence2 (hypothesis).
/// Quoted fields may hold commas, doubled quotes and line breaks.
/// </summary>
internal static class CsvNliReader
{
    private static readonly string[] _labelColumns = ["similarity", "gold_label", "label"];

    public static NliDataset Load(string path, IProgress<NliLoadProgress>? progress)
    {
        using var file = TextDataFile.Open(path);
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            IgnoreBlankLines = false,
            BadDataFound = args => throw new DataFormatException(path, args.Context.Parser?.RawRow,
                $"malformed quoting in field {args.Field}; RFC 4180 quotes a field that contains quotes and doubles the quotes inside it."),
        };
        using var parser = new CsvParser(file.Reader, configuration);
        long recordStart = 1;
        bool Read()
        {
            recordStart = parser.RawRow + 1;
            return file.Guard(recordStart, () =>
            {
                try
                {
                    return parser.Read();
                }
                catch (CsvHelperException e) when (e.InnerException is InvalidDataException or DecoderFallbackException)
                {
                    throw e.InnerException;
                }
            });
        }

        if (!Read())
        {
            throw new DataFormatException(path, 1, "the file is empty; expected a header line with similarity, sentence1 and sentence2.");
        }

        var header = parser.Record!;
        var label = Array.FindIndex(header, h => _labelColumns.Contains(h));
        var premise = Array.IndexOf(header, "sentence1");
        var hypothesis = Array.IndexOf(header, "sentence2");
        if (label < 0 || premise < 0 || hypothesis < 0)
        {
            throw new DataFormatException(path, 1,
                $"expected a header with a label column ({string.Join(", ", _labelColumns)}), sentence1 and sentence2; found {string.Join(", ", header)}.");
        }

        var builder = new NliFrameBuilder(path, [], progress, () => file.Position, file.Length);
        while (Read())
        {
            var record = parser.Record!;
            if (record is [""])
            {
                builder.SkipLine("blank line");
                continue;
            }

            if (record.Length != header.Length)
            {
                throw new DataFormatException(path, recordStart,
                    $"expected {header.Length} comma-separated fields as in the header, found {record.Length}.");
            }

            builder.TryAdd(record[premise], record[hypothesis], NliLabel.Parse(record[label], path, recordStart, header[label]));
        }

        return builder.Build();
    }
}
