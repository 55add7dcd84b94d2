using Microsoft.Data.Analysis;

namespace NotebookSupport.Data.Nli;

/// <summary>
/// An NLI dataset: a Microsoft.Data.Analysis <see cref="DataFrame"/> with the columns premise, hypothesis,
/// label (0 entailment, 1 neutral, 2 contradiction, -1 no gold label) and the source's extra columns, plus
/// the <see cref="NliFeatures"/> (types, nullability, class names) that decide whether two datasets can be
/// concatenated — the Hugging Face <c>datasets.Dataset</c> operations of the tutorial, in C#.
/// </summary>
/// <remarks>
/// Datasets are immutable: every operation returns a new one.
/// <code>
/// var snli = NliLoader.LoadHub("stanfordnlp/snli", "plain_text", "train");
/// var mnli = NliLoader.LoadHub("nyu-mll/glue", "mnli", "train").RemoveColumns("idx");
/// var dataset = NliDataset.Concatenate(snli.Cast(mnli.Features), mnli);   // 943k rows
/// dataset = dataset.Filter(row => row.Label != NliLabel.None);
/// Console.WriteLine(dataset.CountLabels());
/// var pairs = dataset.ToPairs();                                          // label 0 -> (anchor, positive)
/// </code>
/// </remarks>
public sealed class NliDataset
{
    private static readonly IReadOnlyDictionary<string, long> _noSkips = new Dictionary<string, long>();

    /// <summary>Wraps a data frame whose columns match <paramref name="features"/> in name, order and type.</summary>
    /// <param name="name">A short name for messages, e.g. "snli".</param>
    /// <param name="frame">The rows.</param>
    /// <param name="features">The column types; must contain premise, hypothesis and label.</param>
    /// <param name="skipped">Rows the loader left out, by reason (empty if none).</param>
    public NliDataset(string name, DataFrame frame, NliFeatures features, IReadOnlyDictionary<string, long>? skipped = null)
    {
        if (frame.Columns.Count != features.Count)
        {
            throw new ArgumentException(
                $"The frame has {frame.Columns.Count} columns but the features describe {features.Count}.", nameof(frame));
        }

        for (var i = 0; i < features.Count; i++)
        {
            var column = frame.Columns[i];
            var feature = features[i];
            if (column.Name != feature.Name || column.DataType != ClrType(feature.Type))
            {
                throw new ArgumentException(
                    $"Column {i} is '{column.Name}' of {column.DataType.Name}; the features expect '{feature.Name}' of {ClrType(feature.Type).Name}.",
                    nameof(frame));
            }
        }

        foreach (var required in NliFeatures.Standard)
        {
            var feature = features.Find(required.Name)
                ?? throw new ArgumentException($"An NLI dataset needs a '{required.Name}' column.", nameof(features));
            if ((feature.Type == NliValueType.String) != (required.Type == NliValueType.String))
            {
                throw new ArgumentException($"Column '{feature.Name}' has type {feature.TypeDescription}.", nameof(features));
            }
        }

        Name = name;
        Frame = frame;
        Features = features;
        Skipped = skipped ?? _noSkips;
    }

    /// <summary>A short name for messages, e.g. the file name or "snli+mnli".</summary>
    public string Name { get; }

    /// <summary>The rows, for display and for any DataFrame operation.</summary>
    public DataFrame Frame { get; }

    /// <summary>The column types.</summary>
    public NliFeatures Features { get; }

    /// <summary>Rows the loader left out (empty sentences, blank lines...), by reason; never silently lost.</summary>
    public IReadOnlyDictionary<string, long> Skipped { get; }

    /// <summary>The number of rows.</summary>
    public long RowCount => Frame.Rows.Count;

    /// <summary>The column names in order.</summary>
    public IEnumerable<string> ColumnNames => Features.Names;

    /// <summary>The row at <paramref name="index"/>.</summary>
    public NliRow this[long index] => new(Premises[index], Hypotheses[index], LabelAt(index));

    /// <summary>All rows in order.</summary>
    public IEnumerable<NliRow> Rows
    {
        get
        {
            var premises = Premises;
            var hypotheses = Hypotheses;
            for (long i = 0; i < RowCount; i++)
            {
                yield return new NliRow(premises[i], hypotheses[i], LabelAt(i));
            }
        }
    }

    private StringDataFrameColumn Premises => (StringDataFrameColumn)Frame.Columns["premise"];

    private StringDataFrameColumn Hypotheses => (StringDataFrameColumn)Frame.Columns["hypothesis"];

    /// <summary>Drops columns, like <c>mnli.remove_columns(["idx"])</c>. premise, hypothesis and label cannot be removed.</summary>
    /// <exception cref="ArgumentException">A column does not exist or is one of the three NLI columns.</exception>
    public NliDataset RemoveColumns(params string[] columns)
    {
        foreach (var column in columns)
        {
            if (Features.Find(column) is null)
            {
                throw new ArgumentException(
                    $"'{Name}' has no column '{column}'; its columns are {string.Join(", ", ColumnNames)}.", nameof(columns));
            }

            if (NliFeatures.Standard.Find(column) is not null)
            {
                throw new ArgumentException($"Column '{column}' is needed by every NLI dataset and cannot be removed.", nameof(columns));
            }
        }

        var keep = Features.Where(f => !columns.Contains(f.Name)).ToList();
        var frame = new DataFrame(keep.Select(f => Frame.Columns[f.Name].Clone()));
        return new NliDataset(Name, frame, new NliFeatures(keep), Skipped);
    }

    /// <summary>
    /// Converts the columns to <paramref name="features"/> (same column names, in any order), like
    /// <c>snli.cast(mnli.features)</c>: int32 and int64 convert into each other, nullability and class names
    /// are taken from the target.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The column names differ, a value does not fit (a null into a not-null column, a label outside the
    /// class names, an int64 beyond int32), or text and numbers would have to convert into each other.
    /// </exception>
    public NliDataset Cast(NliFeatures features)
    {
        var missing = features.Names.Except(ColumnNames).Concat(ColumnNames.Except(features.Names)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"Cannot cast '{Name}' ({string.Join(", ", ColumnNames)}) to features with columns "
                + $"{string.Join(", ", features.Names)}: the column names must be the same; remove or add {string.Join(", ", missing)} first.");
        }

        var columns = features.Select(target => CastColumn(Frame.Columns[target.Name], Features[target.Name], target));
        return new NliDataset(Name, new DataFrame(columns), features, Skipped);
    }

    /// <summary>
    /// Keeps the rows for which <paramref name="predicate"/> is true, like
    /// <c>dataset.filter(lambda x: x["label"] != -1)</c>.
    /// </summary>
    public NliDataset Filter(Func<NliRow, bool> predicate)
    {
        var mask = new PrimitiveDataFrameColumn<bool>("mask", RowCount);
        long i = 0;
        foreach (var row in Rows)
        {
            mask[i++] = predicate(row);
        }

        return new NliDataset(Name, Frame.Filter(mask), Features, Skipped);
    }

    /// <summary>Counts the rows per label.</summary>
    /// <exception cref="InvalidOperationException">A label is not -1, 0, 1 or 2.</exception>
    public NliLabelCounts CountLabels()
    {
        var counts = new long[4];
        for (long i = 0; i < RowCount; i++)
        {
            var label = LabelAt(i);
            counts[label switch
            {
                >= NliLabel.Entailment and <= NliLabel.Contradiction => label,
                NliLabel.None => 3,
                _ => throw new InvalidOperationException($"Row {i} of '{Name}' has label {label}; NLI labels are -1, 0, 1 and 2."),
            }]++;
        }

        return new NliLabelCounts(counts[0], counts[1], counts[2], counts[3]);
    }

    /// <summary>
    /// Appends datasets row-wise, like <c>datasets.concatenate_datasets([snli, mnli])</c>. Every dataset must
    /// have the same columns with the same <see cref="NliFeature"/> (type, nullability, class names);
    /// otherwise a <see cref="SchemaMismatchException"/> names the column and both types.
    /// </summary>
    public static NliDataset Concatenate(params NliDataset[] datasets)
    {
        if (datasets.Length == 0)
        {
            throw new ArgumentException("Give at least one dataset.", nameof(datasets));
        }

        var first = datasets[0];
        foreach (var other in datasets.Skip(1))
        {
            CheckConcatenable(first, other);
        }

        var columns = first.Features.Select(feature =>
            Concat(feature, datasets.Select(d => d.Frame.Columns[feature.Name])));
        var skipped = datasets.SelectMany(d => d.Skipped)
            .GroupBy(kv => kv.Key)
            .ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
        var name = string.Join("+", datasets.Select(d => d.Name));
        return new NliDataset(name, new DataFrame(columns), first.Features, skipped);
    }

    /// <inheritdoc />
    public override string ToString() => $"NliDataset '{Name}': {RowCount:N0} rows, features {Features}";

    internal static Type ClrType(NliValueType type) => type switch
    {
        NliValueType.String => typeof(string),
        NliValueType.Int32 => typeof(int),
        _ => typeof(long),
    };

    internal int LabelAt(long index) => Frame.Columns["label"] switch
    {
        PrimitiveDataFrameColumn<long> labels => (int)(labels[index] ?? NliLabel.None),
        PrimitiveDataFrameColumn<int> labels => labels[index] ?? NliLabel.None,
        var other => throw new InvalidOperationException($"The label column is {other.DataType.Name}."),
    };

    private static void CheckConcatenable(NliDataset first, NliDataset other)
    {
        var fix = $"Cast one to the other's features first, as the tutorial casts SNLI to MultiNLI's: {first.Name}.Cast({other.Name}.Features).";
        foreach (var feature in first.Features)
        {
            var match = other.Features.Find(feature.Name);
            if (match is null)
            {
                throw new SchemaMismatchException(feature.Name, first.Name, feature.TypeDescription, other.Name, null,
                    $"Remove it with {first.Name}.RemoveColumns(\"{feature.Name}\") first.");
            }

            if (!feature.SameTypeAs(match))
            {
                throw new SchemaMismatchException(feature.Name, first.Name, feature.TypeDescription, other.Name, match.TypeDescription, fix);
            }
        }

        foreach (var feature in other.Features.Where(f => first.Features.Find(f.Name) is null))
        {
            throw new SchemaMismatchException(feature.Name, first.Name, null, other.Name, feature.TypeDescription,
                $"Remove it with {other.Name}.RemoveColumns(\"{feature.Name}\") first.");
        }
    }

    private static DataFrameColumn Concat(NliFeature feature, IEnumerable<DataFrameColumn> parts) => feature.Type switch
    {
        NliValueType.String => new StringDataFrameColumn(feature.Name, parts.SelectMany(p => (StringDataFrameColumn)p)),
        NliValueType.Int32 => new Int32DataFrameColumn(feature.Name, parts.SelectMany(p => (PrimitiveDataFrameColumn<int>)p)),
        _ => new Int64DataFrameColumn(feature.Name, parts.SelectMany(p => (PrimitiveDataFrameColumn<long>)p)),
    };

    private DataFrameColumn CastColumn(DataFrameColumn column, NliFeature source, NliFeature target)
    {
        if ((source.Type == NliValueType.String) != (target.Type == NliValueType.String))
        {
            throw new InvalidOperationException(
                $"Cannot cast column '{target.Name}' of '{Name}' from {source.TypeDescription} to {target.TypeDescription}: text and numbers do not convert.");
        }

        if (!target.Nullable && column.NullCount > 0)
        {
            throw new InvalidOperationException(
                $"Cannot cast column '{target.Name}' of '{Name}' to {target.TypeDescription}: it holds {column.NullCount:N0} nulls.");
        }

        if (target.Type == NliValueType.String)
        {
            return column.Clone();
        }

        var values = column is PrimitiveDataFrameColumn<int> ints
            ? ints.Select(v => (long?)v)
            : (PrimitiveDataFrameColumn<long>)column;
        if (target.ClassNames is { } names)
        {
            var bad = values.Select((v, row) => (v, row)).FirstOrDefault(x => x.v is { } value && (value < NliLabel.None || value >= names.Count));
            if (bad.v is not null)
            {
                throw new InvalidOperationException(
                    $"Cannot cast column '{target.Name}' of '{Name}' to {target.TypeDescription}: row {bad.row} holds {bad.v}, outside -1..{names.Count - 1}.");
            }
        }

        if (target.Type == NliValueType.Int64)
        {
            return new Int64DataFrameColumn(target.Name, values);
        }

        var outOfRange = values.Select((v, row) => (v, row)).FirstOrDefault(x => x.v is < int.MinValue or > int.MaxValue);
        if (outOfRange.v is not null)
        {
            throw new InvalidOperationException(
                $"Cannot cast column '{target.Name}' of '{Name}' to int32: row {outOfRange.row} holds {outOfRange.v}.");
        }

        return new Int32DataFrameColumn(target.Name, values.Select(v => (int?)v));
    }
}

/// <summary>One premise/hypothesis pair of an <see cref="NliDataset"/>, as the predicate of <see cref="NliDataset.Filter"/> sees it.</summary>
/// <param name="Premise">The premise (sentence1), or <c>null</c> if the column holds a null.</param>
/// <param name="Hypothesis">The hypothesis (sentence2), or <c>null</c> if the column holds a null.</param>
/// <param name="Label">0 entailment, 1 neutral, 2 contradiction, -1 no gold label (also for a null label).</param>
public readonly record struct NliRow(string? Premise, string? Hypothesis, int Label);

/// <summary>How many rows carry each NLI label; what <see cref="NliDataset.CountLabels"/> returns.</summary>
/// <param name="Entailment">Rows labelled 0.</param>
/// <param name="Neutral">Rows labelled 1.</param>
/// <param name="Contradiction">Rows labelled 2.</param>
/// <param name="None">Rows without gold label (-1).</param>
public sealed record NliLabelCounts(long Entailment, long Neutral, long Contradiction, long None)
{
    /// <summary>All rows.</summary>
    public long Total => Entailment + Neutral + Contradiction + None;

    /// <summary>The count for a label (-1, 0, 1 or 2).</summary>
    public long this[int label] => label switch
    {
        NliLabel.Entailment => Entailment,
        NliLabel.Neutral => Neutral,
        NliLabel.Contradiction => Contradiction,
        NliLabel.None => None,
        _ => throw new ArgumentOutOfRangeException(nameof(label), label, "An NLI label is -1, 0, 1 or 2."),
    };

    /// <inheritdoc />
    public override string ToString() =>
        $"entailment {Entailment:N0}, neutral {Neutral:N0}, contradiction {Contradiction:N0}, none {None:N0} (total {Total:N0})";
}
