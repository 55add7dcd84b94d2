using NotebookSupport.Data;
using NotebookSupport.Data.Nli;
using NotebookSupport.Tests.Data;
using TorchSharp;

namespace NotebookSupport.Tests.Training;

/// <summary>Reports synchronously on the training thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
internal sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class TrainingTempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nbs-train-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The bundled SNLI entailment pairs (dev + test: 6,697 pairs), loaded once.</summary>
internal static class SnliPairs
{
    private static readonly Lazy<IReadOnlyList<InputExample>> _all = new(() =>
        [.. NliLoader.Load(RepoData.Path("snli", "snli_1.0_dev.csv")).ToPairs().Examples,
         .. NliLoader.Load(RepoData.Path("snli", "snli_1.0_test.csv")).ToPairs().Examples]);

    public static IReadOnlyList<InputExample> Get(int count = int.MaxValue) => [.. _all.Value.Take(count)];
}

/// <summary>
/// Runs a block with libtorch on one thread: on the shared 2-core machine, with test classes running in parallel,
/// two spinning OpenMP threads per process make small models many times slower.
/// </summary>
internal static class SingleThreaded
{
    public static T Run<T>(Func<T> body)
    {
        var threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            return body();
        }
        finally
        {
            torch.set_num_threads(threads);
        }
    }
}

/// <summary>
/// Test classes that must not share the process with others while they run: torch's random generator is global (an
/// exact-resume or GradCache check breaks if another test draws dropout masks in between), and so is process memory.
/// xunit runs such a collection after the parallel ones, on its own.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "Training tests that need the process to themselves";
}
