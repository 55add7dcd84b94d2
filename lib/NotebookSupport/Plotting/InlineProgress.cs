namespace NotebookSupport.Plotting;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its handler at once, on the reporting thread. Unlike
/// <see cref="Progress{T}"/>, which posts to a synchronization context or the thread pool, reports arrive in
/// order and before the reporting call returns, which is what a notebook's updating display needs:
/// <code>
/// var status = display("encoding...");
/// model.Encode(sentences, progress: new InlineProgress&lt;EncodeProgress&gt;(p => status.Update($"{p.Done}/{p.Total}")));
/// </code>
/// </summary>
public sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
{
    /// <inheritdoc />
    public void Report(T value) => handler(value);
}
