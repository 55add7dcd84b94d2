namespace NotebookSupport.Cli;

/// <summary>
/// Finds the files that ship in the repository's <c>data/</c> folder (STS benchmark, SNLI dev/test, heatmap
/// sentences), whether the CLI runs from the repository root, a sub-folder, or its build output.
/// </summary>
internal static class RepositoryData
{
    private const string Marker = "stsb/sts-test.csv";

    /// <summary>The <c>data/</c> folder.</summary>
    /// <exception cref="DirectoryNotFoundException">No <c>data/stsb/sts-test.csv</c> above the working folder or the program.</exception>
    public static string Folder => _folder.Value;

    /// <summary>A file inside <see cref="Folder"/>, e.g. <c>Path("snli", "snli_1.0_dev.csv")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Folder, .. parts]);

    private static readonly Lazy<string> _folder = new(Find);

    private static string Find()
    {
        var starts = new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory };
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "data");
                if (File.Exists(System.IO.Path.Combine(candidate, Marker)))
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException(
            $"could not find the repository's data folder (data/{Marker}) above {string.Join(" or ", starts)}; " +
            "run from the repository or give the files explicitly (--data, --sts).");
    }
}
