namespace NotebookSupport.Data;

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
