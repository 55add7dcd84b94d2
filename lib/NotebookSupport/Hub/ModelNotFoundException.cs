namespace NotebookSupport.Hub;

/// <summary>
/// No model was found for a name or path; <see cref="SearchedLocations"/> (also in the message) lists every place
/// looked at, with the reason each one failed.
/// </summary>
public sealed class ModelNotFoundException : Exception
{
    /// <summary>Creates the exception; the message lists <paramref name="searchedLocations"/>.</summary>
    public ModelNotFoundException(string modelNameOrPath, IReadOnlyList<string> searchedLocations, Exception? innerException = null)
        : base($"Model '{modelNameOrPath}' not found. Looked in:{Environment.NewLine}"
               + string.Join(Environment.NewLine, searchedLocations.Select(l => "  - " + l)), innerException)
    {
        ModelNameOrPath = modelNameOrPath;
        SearchedLocations = searchedLocations;
    }

    /// <summary>The name or path that was asked for.</summary>
    public string ModelNameOrPath { get; }

    /// <summary>Each place looked at, with why it did not hold the model.</summary>
    public IReadOnlyList<string> SearchedLocations { get; }
}
