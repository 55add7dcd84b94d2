using NotebookSupport.Hub;
using NotebookSupport.Models;

namespace NotebookSupport.Tests.Hub;

/// <summary>One converted all-MiniLM-L6-v2 shared by the tests that need real weights.</summary>
public sealed class BundledMiniLmFixture : IDisposable
{
    public SentenceTransformer Model { get; } = BundledMiniLm.Create();

    public void Dispose() => Model.Dispose();
}

[CollectionDefinition(Name)]
public sealed class BundledMiniLmCollection : ICollectionFixture<BundledMiniLmFixture>
{
    public const string Name = "bundled all-MiniLM-L6-v2";
}
