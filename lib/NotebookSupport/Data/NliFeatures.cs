using System.Collections;

namespace NotebookSupport.Data;

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
