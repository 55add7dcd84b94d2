using NotebookSupport.Notebooks;

namespace NotebookSupport.Notebooks.Tests;

/// <summary>Where the repository's notebooks and data are, found from the test's working directory.</summary>
internal static class RepositoryPaths
{
    public static string Notebooks { get; } = NotebookFolder.Find(AppContext.BaseDirectory);

    public static string Root { get; } = Path.GetDirectoryName(Notebooks)!;

    public static string HeatmapSentences { get; } = Path.Combine(Root, "data", "heatmap", "sentences.txt");

    public static IEnumerable<object[]> NotebookNames() =>
        Directory.GetFiles(Notebooks, "*.ipynb").Order(StringComparer.Ordinal).Select(p => new object[] { Path.GetFileName(p) });
}

/// <summary>
/// Tests that run notebooks or twins share the process-wide working directory and the library's build output,
/// so they run one at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NotebookCollection
{
    public const string Name = "notebooks";
}
