namespace NotebookSupport.Data.Nli;

/// <summary>
/// The NLI labels as Hugging Face <c>datasets</c> encodes them for SNLI and MultiNLI
/// (<c>ClassLabel(names=["entailment", "neutral", "contradiction"])</c>), plus -1 for pairs the annotators
/// could not agree on (SNLI's <c>gold_label</c> "-").
/// </summary>
/// <remarks>
/// For Multiple Negatives Ranking loss only <see cref="Entailment"/> rows are useful: they become
/// (anchor, positive) pairs. <see cref="Contradiction"/> rows can serve as hard negatives.
/// </remarks>
public static class NliLabel
{
    /// <summary>No gold label: the annotators disagreed (SNLI/MultiNLI <c>gold_label</c> "-"; Hugging Face -1).</summary>
    public const int None = -1;

    /// <summary>The premise implies the hypothesis.</summary>
    public const int Entailment = 0;

    /// <summary>The premise neither implies nor contradicts the hypothesis.</summary>
    public const int Neutral = 1;

    /// <summary>The premise contradicts the hypothesis.</summary>
    public const int Contradiction = 2;

    /// <summary>The class names in label order, as in the Hugging Face <c>ClassLabel</c> of SNLI and GLUE MNLI.</summary>
    public static IReadOnlyList<string> Names { get; } = ["entailment", "neutral", "contradiction"];

    /// <summary>
    /// Parses a gold label string: "entailment", "neutral", "contradiction" (any case, surrounding spaces
    /// ignored) or "-" for no gold label. Returns <c>false</c> for anything else.
    /// </summary>
    public static bool TryParse(string? text, out int label)
    {
        var trimmed = text.AsSpan().Trim();
        label = trimmed switch
        {
            _ when trimmed.Equals("entailment", StringComparison.OrdinalIgnoreCase) => Entailment,
            _ when trimmed.Equals("neutral", StringComparison.OrdinalIgnoreCase) => Neutral,
            _ when trimmed.Equals("contradiction", StringComparison.OrdinalIgnoreCase) => Contradiction,
            "-" => None,
            _ => int.MinValue,
        };
        return label != int.MinValue;
    }

    /// <summary>Parses the gold label string in <paramref name="column"/> at line <paramref name="line"/> of <paramref name="file"/>, as <see cref="TryParse"/> does.</summary>
    /// <exception cref="DataFormatException">The text is not a label; the message names the file, line and column.</exception>
    internal static int Parse(string? text, string file, long line, string column) =>
        TryParse(text, out var label)
            ? label
            : throw new DataFormatException(file, line, $"unknown {column} \"{text}\"; expected entailment, neutral, contradiction or \"-\".");

    /// <summary>The name of a label: "entailment", "neutral", "contradiction" or "none" for -1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The label is not -1, 0, 1 or 2.</exception>
    public static string Name(int label) => label switch
    {
        None => "none",
        >= Entailment and <= Contradiction => Names[label],
        _ => throw new ArgumentOutOfRangeException(nameof(label), label, "An NLI label is -1, 0, 1 or 2."),
    };
}
