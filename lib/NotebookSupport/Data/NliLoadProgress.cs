namespace NotebookSupport.Data;

/// <summary>Progress of a streaming load, reported every <see cref="NliLoader.ProgressInterval"/> rows and at the end.</summary>
/// <param name="File">The file being read.</param>
/// <param name="Rows">Rows read so far (kept or skipped).</param>
/// <param name="BytesRead">Bytes of the file consumed so far (compressed bytes for a gzip file).</param>
/// <param name="TotalBytes">The file size.</param>
public readonly record struct NliLoadProgress(string File, long Rows, long BytesRead, long TotalBytes)
{
    /// <summary>The fraction of the file consumed, 0 to 1.</summary>
    public double Fraction => TotalBytes == 0 ? 1 : Math.Min(1, (double)BytesRead / TotalBytes);
}
