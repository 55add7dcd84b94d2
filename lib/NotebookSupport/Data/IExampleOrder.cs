namespace NotebookSupport.Data;

/// <summary>
/// Decides the order in which <see cref="NoDuplicatesDataLoader"/> offers examples to its batches in one epoch.
/// </summary>
/// <remarks>
/// <para>
/// Planning an epoch has two seams: <see cref="Order"/> gives the order in which examples are offered to the greedy
/// batching, and <see cref="OrderBatches"/> may then reorder the finished batches (whole batches only, so the batching
/// rules are untouched). The loader still keeps duplicates apart, defers conflicts and never loses an example, and it
/// checks that both results are permutations.
/// </para>
/// <para>
/// The default, <see cref="RandomExampleOrder"/>, is a seeded shuffle with batches in planning order.
/// <see cref="LengthGroupedExampleOrder"/> groups examples of similar token length so padding costs less, then
/// shuffles the batches.
/// </para>
/// </remarks>
public interface IExampleOrder
{
    /// <summary>Returns a permutation of <c>0 .. examples.Count - 1</c> for the given epoch.</summary>
    /// <param name="examples">The loader's examples.</param>
    /// <param name="epoch">The zero-based epoch being planned.</param>
    /// <param name="seed">The loader's seed; the same seed and epoch must give the same order.</param>
    int[] Order(IReadOnlyList<InputExample> examples, int epoch, int seed);

    /// <summary>
    /// Returns the planned batches of the epoch in the order they are trained on: the same batch arrays, each exactly
    /// once. The default keeps the planning order.
    /// </summary>
    /// <param name="batches">The batches (example indices) as the loader cut them from <see cref="Order"/>.</param>
    /// <param name="batchSize">The loader's batch size; a batch shorter than it is a partial one.</param>
    /// <param name="epoch">The zero-based epoch being planned.</param>
    /// <param name="seed">The loader's seed; the same seed and epoch must give the same order.</param>
    int[][] OrderBatches(int[][] batches, int batchSize, int epoch, int seed) => batches;
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
