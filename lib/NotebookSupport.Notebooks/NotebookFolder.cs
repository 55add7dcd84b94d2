namespace NotebookSupport.Notebooks;

/// <summary>Finds the repository's <c>notebooks/</c> folder and the notebooks in it.</summary>
public static class NotebookFolder
{
    /// <summary>The <c>notebooks</c> folder of the repository containing <paramref name="start"/> (default: the current directory).</summary>
    /// <exception cref="DirectoryNotFoundException">No parent folder holds NotebookSupport.sln.</exception>
    public static string Find(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NotebookSupport.sln")))
            {
                return Path.Combine(dir.FullName, "notebooks");
            }
        }

        throw new DirectoryNotFoundException($"No NotebookSupport.sln in {start ?? Directory.GetCurrentDirectory()} or above; run from inside the repository or name the notebooks.");
    }

    /// <summary>The notebooks to work on: the given paths, or every <c>*.ipynb</c> in <see cref="Find"/>, sorted by name.</summary>
    /// <exception cref="FileNotFoundException">A given notebook does not exist.</exception>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string>? paths)
    {
        if (paths is { Count: > 0 })
        {
            foreach (var path in paths.Where(p => !File.Exists(p)))
            {
                throw new FileNotFoundException($"Notebook '{path}' does not exist.", path);
            }

            return paths.Select(Path.GetFullPath).ToList();
        }

        return Directory.GetFiles(Find(), "*.ipynb").Order(StringComparer.Ordinal).ToList();
    }
}
