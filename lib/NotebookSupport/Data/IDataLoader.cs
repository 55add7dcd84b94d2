namespace NotebookSupport.Data;

/// <summary>
/// The batches of a training objective, epoch by epoch: what <c>Fit</c> takes beside each loss, as sentence-transformers'
/// <c>fit</c> takes (DataLoader, loss) pairs. <see cref="NoDuplicatesDataLoader"/> is the tutorial's; any other source
/// of batches works too.
/// </summary>
/// <remarks>
/// <para>
/// A training step takes the next batch of every objective; an epoch has as many steps as the objective with the fewest
/// batches (<see cref="BatchCount"/>). <see cref="Batches"/> must yield at least that many batches of that epoch.
/// </para>
/// <para>
/// Resuming from a checkpoint re-creates the epoch it stopped in with <see cref="Batches"/> and skips the batches already
/// trained on, so an exact resume needs the same batches for the same epoch every time (a seeded order, as
/// <see cref="NoDuplicatesDataLoader"/> has). A checkpoint records the loader's type and a fingerprint of the examples
/// of its first epoch in order, read once more from <see cref="Batches"/> when the first checkpoint is saved or
/// resumed, so a resume with other data is refused.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// // The same batches every epoch, in the order given.
/// sealed class FixedBatches(IReadOnlyList&lt;IReadOnlyList&lt;InputExample&gt;&gt; batches) : IDataLoader
/// {
///     public int BatchCount(int epoch) => batches.Count;
///     public IEnumerable&lt;IReadOnlyList&lt;InputExample&gt;&gt; Batches(int epoch) => batches;
/// }
///
/// model.Fit([(new FixedBatches(myBatches), new MultipleNegativesRankingLoss(model))]);
/// </code>
/// </example>
public interface IDataLoader
{
    /// <summary>The exact number of batches <see cref="Batches"/> yields for the zero-based <paramref name="epoch"/>.</summary>
    int BatchCount(int epoch);

    /// <summary>The batches of the zero-based <paramref name="epoch"/>, in training order.</summary>
    IEnumerable<IReadOnlyList<InputExample>> Batches(int epoch);
}
