namespace NotebookSupport.Data;

/// <summary>
/// A data file could not be read: NLI data (<see cref="Nli.NliLoader"/>), the STS benchmark
/// (<see cref="Evaluation.StsBenchmark"/>) or a file of <see cref="InputExample"/>s (<see cref="InputExampleTsv"/>).
/// The message starts with <c>file:line:</c> (or the file and a row position for parquet) and says what was expected.
/// </summary>
public sealed class DataFormatException : FormatException
{
    /// <summary>Creates the exception for a position in a file.</summary>
    /// <param name="file">The file being read.</param>
    /// <param name="line">The 1-based line (the first line of the record for multi-line CSV records), or <c>null</c> when the problem is not tied to a line.</param>
    /// <param name="problem">What is wrong and what was expected.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public DataFormatException(string file, long? line, string problem, Exception? inner = null)
        : base(line is null ? $"{file}: {problem}" : $"{file}:{line}: {problem}", inner)
    {
        File = file;
        Line = line;
    }

    /// <summary>The file being read.</summary>
    public string File { get; }

    /// <summary>The 1-based line, or <c>null</c> when the problem is not tied to a line.</summary>
    public long? Line { get; }
}
