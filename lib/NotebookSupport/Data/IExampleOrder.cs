namespace NotebookSupport.Data;

/// <summary>
/// Decides the order in which <see cref="NoDuplicatesDataLoader"/> offers examples to its batches in one epoch.
/// </summary>
/// <remarks>
/// The default, <see cref="RandomExampleOrder"/>, is a seeded shuffle. Another order (for example one that groups
/// sentences of similar length so padding costs less) plugs in here without touching the batching rules: the loader
/// still keeps duplicates apart, defers conflicts and never loses an example.
/// </remarks>
public interface IExampleOrder
{
    /// <summary>Returns a permutation of <c>0 .. examples.Count - 1</c> for the given epoch.</summary>
    /// <param name="examples">The loader's examples.</param>
    /// <param name="epoch">The zero-based epoch being planned.</param>
    /// <param name="seed">The loader's seed; the same seed and epoch must give the same order.</param>
    int[] Order(IReadOnlyList<InputExample> examples, int epoch, int seed);
}

/// <summary>A new seeded shuffle for every epoch: the same (seed, epoch) always gives the same order.</summary>
public sealed class RandomExampleOrder : IExampleOrder
{
    /// <inheritdoc />
    public int[] Order(IReadOnlyList<InputExample> examples, int epoch, int seed)
    {
        var order = Enumerable.Range(0, examples.Count).ToArray();
        // Seeded System.Random is a fixed algorithm, so orders stay reproducible across runs and machines
        // (HashCode.Combine would not be: it is randomised per process).
        new Random(unchecked(seed * 1_000_003 + epoch)).Shuffle(order);
        return order;
    }
}
