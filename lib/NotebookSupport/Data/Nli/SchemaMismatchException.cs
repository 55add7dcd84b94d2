namespace NotebookSupport.Data.Nli;

/// <summary>
/// Datasets could not be concatenated because a column is missing from one of them or has a different type
/// (value type, nullability or class names). The .NET counterpart of the <c>ArrowInvalid</c> error the
/// tutorial hits before casting SNLI to MultiNLI's features.
/// </summary>
public sealed class SchemaMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="column">The column that differs.</param>
    /// <param name="firstDataset">Name of the first dataset.</param>
    /// <param name="firstType">The column's type there, or <c>null</c> when it has no such column.</param>
    /// <param name="secondDataset">Name of the second dataset.</param>
    /// <param name="secondType">The column's type there, or <c>null</c> when it has no such column.</param>
    /// <param name="fix">What to do about it.</param>
    public SchemaMismatchException(string column, string firstDataset, string? firstType, string secondDataset, string? secondType, string fix)
        : base($"Cannot concatenate '{firstDataset}' and '{secondDataset}': column '{column}' is "
               + $"{Describe(firstType)} in '{firstDataset}' but {Describe(secondType)} in '{secondDataset}'. {fix}")
    {
        Column = column;
        FirstType = firstType;
        SecondType = secondType;
    }

    /// <summary>The column that differs.</summary>
    public string Column { get; }

    /// <summary>The column's type in the first dataset, or <c>null</c> if absent there.</summary>
    public string? FirstType { get; }

    /// <summary>The column's type in the second dataset, or <c>null</c> if absent there.</summary>
    public string? SecondType { get; }

    private static string Describe(string? type) => type is null ? "missing" : type;
}
