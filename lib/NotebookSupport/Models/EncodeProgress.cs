namespace NotebookSupport.Models;

/// <summary>Progress of <see cref="SentenceTransformer.Encode"/>: sentences encoded so far out of the total.</summary>
public sealed record EncodeProgress(int Done, int Total);
