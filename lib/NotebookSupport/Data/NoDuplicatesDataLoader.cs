using System.Collections;

namespace NotebookSupport.Data;

/// <summary>
/// Batches <see cref="InputExample"/>s so that no text (of any column) appears twice in the same batch.
/// </summary>
/// <remarks>
/// <para>
/// With <c>MultipleNegativesRankingLoss</c> every other positive in the batch is a negative for an anchor. If the same
/// sentence sat in two rows, the loss would be told that a sentence is not similar to itself. This loader keeps such
/// examples apart: an example that conflicts with the batch being filled is deferred to a later batch, never dropped.
/// Texts are compared after trimming and lower-casing, as sentence-transformers does.
/// </para>
/// <para>
/// Each epoch is planned up front from a seeded order (<see cref="IExampleOrder"/>), so <see cref="Count"/> is the exact
/// number of batches that epoch yields, every example appears exactly once per epoch, the order changes from epoch to
/// epoch, and the same seed always gives the same batches. The last batch of an epoch may be smaller than
/// <see cref="BatchSize"/>.
/// </para>
/// <para>
/// With <see cref="LengthGroupedExampleOrder"/>, examples of similar token length share batches, so far less padding
/// is computed (faster epochs, measured in bench/RESULTS.md); the guarantees above still hold.
/// </para>
/// <para>Unlike the Python original, the count is not overestimated and epochs do not repeat the same batches.</para>
/// <example>
/// <code>
/// var loader = new NoDuplicatesDataLoader(examples, batchSize: 32);
/// var warmupSteps = (int)(0.1 * loader.Count);
/// foreach (var batch in loader) { /* batch: IReadOnlyList&lt;InputExample&gt; */ }
///
/// var grouped = new NoDuplicatesDataLoader(examples, batchSize: 32, order: LengthGroupedExampleOrder.For(model));
/// </code>
/// </example>
/// </remarks>
public sealed class NoDuplicatesDataLoader : IDataLoader, IEnumerable<IReadOnlyList<InputExample>>
{
    private readonly string[][] _keys;
    private (int Epoch, int[][] Batches)? _plan;

    /// <summary>Creates a loader over <paramref name="examples"/>.</summary>
    /// <param name="examples">The training examples; each needs at least one text.</param>
    /// <param name="batchSize">Examples per batch (the tutorial uses 32).</param>
    /// <param name="seed">Seed of the per-epoch order.</param>
    /// <param name="order">How examples (and then batches) are ordered each epoch; a seeded shuffle by default.</param>
    public NoDuplicatesDataLoader(IReadOnlyList<InputExample> examples, int batchSize = 32, int seed = 42, IExampleOrder? order = null)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (examples.Count == 0)
        {
            throw new ArgumentException("The loader needs at least one example; the list is empty.", nameof(examples));
        }
        _keys = new string[examples.Count][];
        for (var i = 0; i < examples.Count; i++)
        {
            var texts = examples[i]?.Texts;
            if (texts is null || texts.Count == 0 || texts.Any(t => t is null))
            {
                throw new ArgumentException($"Example {i} has no texts or a null text; every example needs at least one text.", nameof(examples));
            }
            _keys[i] = texts.Select(Normalize).Distinct().ToArray();
        }
        Examples = examples;
        BatchSize = batchSize;
        Seed = seed;
        Order = order ?? new RandomExampleOrder();
    }

    private NoDuplicatesDataLoader(NoDuplicatesDataLoader source, IExampleOrder order)
    {
        _keys = source._keys;
        Examples = source.Examples;
        BatchSize = source.BatchSize;
        Seed = source.Seed;
        Epoch = source.Epoch;
        Order = order;
    }

    /// <summary>The examples being batched.</summary>
    public IReadOnlyList<InputExample> Examples { get; }

    /// <summary>The maximum number of examples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>The seed of the per-epoch order.</summary>
    public int Seed { get; }

    /// <summary>How examples and batches are ordered each epoch.</summary>
    public IExampleOrder Order { get; }

    /// <summary>The zero-based epoch the next <c>foreach</c> enumerates; each enumeration advances it by one.</summary>
    public int Epoch { get; set; }

    /// <summary>The exact number of batches the next enumeration (epoch <see cref="Epoch"/>) yields.</summary>
    public int Count => BatchCount(Epoch);

    /// <summary>The exact number of batches of <paramref name="epoch"/>.</summary>
    public int BatchCount(int epoch) => Plan(epoch).Length;

    /// <summary>The batches of <paramref name="epoch"/>, without changing <see cref="Epoch"/>.</summary>
    public IEnumerable<IReadOnlyList<InputExample>> Batches(int epoch)
    {
        foreach (var batch in Plan(epoch))
        {
            yield return Array.ConvertAll(batch, i => Examples[i]);
        }
    }

    /// <summary>A loader over the same examples, batch size, seed and epoch with another <paramref name="order"/>.</summary>
    public NoDuplicatesDataLoader WithOrder(IExampleOrder order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return new NoDuplicatesDataLoader(this, order);
    }

    /// <summary>Yields the batches of epoch <see cref="Epoch"/> and moves on to the next epoch.</summary>
    public IEnumerator<IReadOnlyList<InputExample>> GetEnumerator() => Batches(Epoch++).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static string Normalize(string text) => text.Trim().ToLowerInvariant();

    private int[][] Plan(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (_plan is { } cached && cached.Epoch == epoch)
        {
            return cached.Batches;
        }
        var order = Order.Order(Examples, epoch, Seed);
        if (order is null || order.Length != Examples.Count || order.Distinct().Count() != order.Length || order.Any(i => i < 0 || i >= order.Length))
        {
            throw new InvalidOperationException($"{Order.GetType().Name}.Order returned {order?.Length ?? 0} indices that are not a permutation of 0..{Examples.Count - 1}.");
        }
        var batches = new List<int[]>();
        var deferred = new List<int>();
        var next = 0;
        while (next < order.Length || deferred.Count > 0)
        {
            var batch = new List<int>(BatchSize);
            var textsInBatch = new HashSet<string>(StringComparer.Ordinal);
            // Deferred examples go first, oldest first, so none waits longer than it must.
            var stillDeferred = new List<int>();
            foreach (var index in deferred)
            {
                if (batch.Count < BatchSize && !_keys[index].Any(textsInBatch.Contains))
                {
                    Add(index);
                }
                else
                {
                    stillDeferred.Add(index);
                }
            }
            deferred = stillDeferred;
            while (batch.Count < BatchSize && next < order.Length)
            {
                var index = order[next++];
                if (_keys[index].Any(textsInBatch.Contains))
                {
                    deferred.Add(index);
                }
                else
                {
                    Add(index);
                }
            }
            batches.Add([.. batch]);

            void Add(int index)
            {
                batch.Add(index);
                textsInBatch.UnionWith(_keys[index]);
            }
        }
        var planned = batches.ToArray();
        var plan = Order.OrderBatches(planned, BatchSize, epoch, Seed);
        if (plan is null || plan.Length != planned.Length || !plan.ToHashSet(ReferenceEqualityComparer.Instance).SetEquals(planned))
        {
            throw new InvalidOperationException($"{Order.GetType().Name}.OrderBatches did not return the {planned.Length} planned batches, each exactly once.");
        }
        _plan = (epoch, plan);
        return plan;
    }
}
