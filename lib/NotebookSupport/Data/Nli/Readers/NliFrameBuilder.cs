using System.Globalization;
using Microsoft.Data.Analysis;

namespace NotebookSupport.Data.Nli.Readers;

/// <summary>
/// Collects rows streamed from a file into typed column buffers, counts the rows it skips and reports
/// progress; <see cref="Build()"/> turns the buffers into an <see cref="NliDataset"/> in one go.
/// </summary>
internal sealed class NliFrameBuilder
{
    private readonly string _file;
    private readonly IReadOnlyList<NliFeature> _extras;
    private readonly IProgress<NliLoadProgress>? _progress;
    private readonly Func<long> _bytesRead;
    private readonly long _totalBytes;
    private readonly List<string> _premises = [];
    private readonly List<string> _hypotheses = [];
    private readonly List<long?> _labels = [];
    private readonly List<object> _extraValues;
    private readonly Dictionary<string, long> _skipped = [];
    private long _rowsRead;

    public NliFrameBuilder(string file, IReadOnlyList<NliFeature> extras, IProgress<NliLoadProgress>? progress, Func<long> bytesRead, long totalBytes)
    {
        _file = file;
        _extras = extras;
        _progress = progress;
        _bytesRead = bytesRead;
        _totalBytes = totalBytes;
        _extraValues = extras.Select(f => f.Type switch
        {
            NliValueType.String => (object)new List<string?>(),
            NliValueType.Int32 => new List<int?>(),
            _ => new List<long?>(),
        }).ToList();
    }

    /// <summary>
    /// Adds a row, or counts it as skipped when a sentence is null, empty or whitespace only.
    /// Returns whether it was added; only then must the caller add its extra values.
    /// </summary>
    /// <exception cref="DataFormatException">The label is not -1, 0, 1 or 2.</exception>
    public bool TryAdd(string? premise, string? hypothesis, long? label)
    {
        Tick();
        if (label is < NliLabel.None or > NliLabel.Contradiction)
        {
            throw new DataFormatException(_file, null,
                $"row {_rowsRead} has label {label}; NLI labels are 0 entailment, 1 neutral, 2 contradiction and -1 for none.");
        }

        if (string.IsNullOrWhiteSpace(premise))
        {
            Skip("empty premise");
            return false;
        }

        if (string.IsNullOrWhiteSpace(hypothesis))
        {
            Skip("empty hypothesis");
            return false;
        }

        _premises.Add(premise);
        _hypotheses.Add(hypothesis);
        _labels.Add(label);
        return true;
    }

    /// <summary>Counts a line that holds no row (e.g. blank) as skipped.</summary>
    public void SkipLine(string reason)
    {
        Tick();
        Skip(reason);
    }

    public void AddExtraText(int extra, string? text, long? line)
    {
        switch (_extraValues[extra])
        {
            case List<string?> strings:
                strings.Add(text);
                break;
            case List<int?> ints:
                ints.Add(text is null ? null : (int)ParseInt(extra, text, line));
                break;
            case List<long?> longs:
                longs.Add(text is null ? null : ParseInt(extra, text, line));
                break;
        }
    }

    public void AddExtraNumber(int extra, long? value)
    {
        switch (_extraValues[extra])
        {
            case List<int?> ints:
                ints.Add((int?)value);
                break;
            case List<long?> longs:
                longs.Add(value);
                break;
            case List<string?> strings:
                strings.Add(value?.ToString(CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>The dataset, named after the file, with the text formats' types: string premise and hypothesis, the standard label.</summary>
    public NliDataset Build() => Build(NliFeature.Text("premise"), NliFeature.Text("hypothesis"), NliFeature.Label());

    /// <summary>The dataset, named after the file, with these types for premise, hypothesis and label (a parquet file's own).</summary>
    public NliDataset Build(NliFeature premise, NliFeature hypothesis, NliFeature label)
    {
        _progress?.Report(new NliLoadProgress(_file, _rowsRead, _totalBytes, _totalBytes));
        var columns = new List<DataFrameColumn>
        {
            new StringDataFrameColumn(premise.Name, _premises),
            new StringDataFrameColumn(hypothesis.Name, _hypotheses),
            label.Type == NliValueType.Int32
                ? new Int32DataFrameColumn(label.Name, _labels.Select(l => (int?)l))
                : new Int64DataFrameColumn(label.Name, _labels),
        };
        for (var i = 0; i < _extras.Count; i++)
        {
            columns.Add(_extraValues[i] switch
            {
                List<string?> strings => new StringDataFrameColumn(_extras[i].Name, strings),
                List<int?> ints => new Int32DataFrameColumn(_extras[i].Name, ints),
                var longs => new Int64DataFrameColumn(_extras[i].Name, (List<long?>)longs),
            });
        }

        return new NliDataset(Path.GetFileName(_file), new DataFrame(columns), new NliFeatures([premise, hypothesis, label, .. _extras]), _skipped);
    }

    private void Skip(string reason) => _skipped[reason] = _skipped.GetValueOrDefault(reason) + 1;

    private void Tick()
    {
        if (++_rowsRead % NliLoader.ProgressInterval == 0)
        {
            _progress?.Report(new NliLoadProgress(_file, _rowsRead, _bytesRead(), _totalBytes));
        }
    }

    private long ParseInt(int extra, string text, long? line) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            && (_extras[extra].Type != NliValueType.Int32 || value is >= int.MinValue and <= int.MaxValue)
            ? value
            : throw new DataFormatException(_file, line, $"column '{_extras[extra].Name}' should be an integer but is \"{text}\".");
}
