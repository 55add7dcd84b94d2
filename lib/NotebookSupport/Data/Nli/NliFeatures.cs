using System.Collections;

namespace NotebookSupport.Data.Nli;

/// <summary>
/// The ordered column types of an <see cref="NliDataset"/>, like <c>Dataset.features</c> in Hugging Face
/// <c>datasets</c>. Pass one dataset's features to another's <see cref="NliDataset.Cast"/> to make them
/// concatenable, as the tutorial does with <c>snli.cast(mnli.features)</c>.
/// </summary>
public sealed class NliFeatures : IReadOnlyList<NliFeature>
{
    private readonly NliFeature[] _features;

    /// <summary>Creates the features; column names must be unique.</summary>
    public NliFeatures(IEnumerable<NliFeature> features)
    {
        _features = features.ToArray();
        var duplicate = _features.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Column '{duplicate.Key}' appears more than once.", nameof(features));
        }
    }

    /// <summary>
    /// premise (string), hypothesis (string), label (int64 ClassLabel), all nullable: the schema Hugging Face
    /// writes for <c>stanfordnlp/snli</c> and, less <c>idx</c>, for <c>nyu-mll/glue</c> mnli.
    /// </summary>
    public static NliFeatures Standard { get; } =
        new([NliFeature.Text("premise"), NliFeature.Text("hypothesis"), NliFeature.Label()]);

    /// <summary>The feature of a column.</summary>
    /// <exception cref="KeyNotFoundException">There is no such column.</exception>
    public NliFeature this[string name] =>
        Find(name) ?? throw new KeyNotFoundException($"No column '{name}'; the columns are {string.Join(", ", Names)}.");

    /// <inheritdoc />
    public NliFeature this[int index] => _features[index];

    /// <inheritdoc />
    public int Count => _features.Length;

    /// <summary>The column names in order.</summary>
    public IEnumerable<string> Names => _features.Select(f => f.Name);

    /// <summary>The feature of a column, or <c>null</c>.</summary>
    public NliFeature? Find(string name) => Array.Find(_features, f => f.Name == name);

    /// <inheritdoc />
    public IEnumerator<NliFeature> GetEnumerator() => ((IEnumerable<NliFeature>)_features).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => "{" + string.Join(", ", _features.Select(f => f.ToString())) + "}";
}

/// <summary>
/// The type of one column, as Hugging Face <c>datasets</c> and Arrow see it: value type, nullability and,
/// for a <c>ClassLabel</c>, the class names. Two datasets concatenate only when every column's feature is
/// the same (see <see cref="NliDataset.Concatenate(NliDataset[])"/>).
/// </summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">The value type.</param>
/// <param name="Nullable">Whether the column may hold nulls (Arrow's default; "not null" otherwise).</param>
/// <param name="ClassNames">For a <c>ClassLabel</c> column, the class names in label order; otherwise <c>null</c>.</param>
public sealed record NliFeature(string Name, NliValueType Type, bool Nullable = true, IReadOnlyList<string>? ClassNames = null)
{
    /// <summary>A nullable string column.</summary>
    public static NliFeature Text(string name) => new(name, NliValueType.String);

    /// <summary>The NLI label column: nullable int64 <c>ClassLabel</c> with <see cref="NliLabel.Names"/>, as Hugging Face stores it.</summary>
    public static NliFeature Label(string name = "label") => new(name, NliValueType.Int64, true, NliLabel.Names);

    /// <summary>Whether <paramref name="other"/> has the same type, nullability and class names (the name is not compared).</summary>
    public bool SameTypeAs(NliFeature other) =>
        Type == other.Type && Nullable == other.Nullable
        && (ClassNames is null ? other.ClassNames is null : other.ClassNames is not null && ClassNames.SequenceEqual(other.ClassNames));

    /// <summary>The type in Arrow's notation, e.g. <c>int64 not null</c> or <c>ClassLabel(entailment, neutral, contradiction): int64</c>.</summary>
    public string TypeDescription
    {
        get
        {
            var arrow = Type switch
            {
                NliValueType.String => "string",
                NliValueType.Int32 => "int32",
                _ => "int64",
            };
            var nullability = Nullable ? "" : " not null";
            return ClassNames is null ? arrow + nullability : $"ClassLabel({string.Join(", ", ClassNames)}): {arrow}{nullability}";
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {TypeDescription}";
}

/// <summary>The value types an <see cref="NliDataset"/> column can have (Arrow names: string, int32, int64).</summary>
public enum NliValueType
{
    /// <summary>UTF-8 text; a <c>StringDataFrameColumn</c>.</summary>
    String,

    /// <summary>32-bit integer; an <c>Int32DataFrameColumn</c>.</summary>
    Int32,

    /// <summary>64-bit integer; an <c>Int64DataFrameColumn</c>.</summary>
    Int64,
}
