using System.Collections.Concurrent;
using NotebookSupport.Models;
using NotebookSupport.Tests.Training;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Models;

/// <summary><see cref="BatchWorkers"/>: every index once, one intra-op thread per worker, torch's settings restored.</summary>
[Collection(RunsAlone.Name)]  // reads and sets torch's thread count, which is per process
public sealed class BatchWorkersTests
{
    [Fact]
    public void EveryIndexRunsOnceOnSeveralThreadsWithOneIntraOpThreadInInferenceMode()
    {
        var seen = new ConcurrentBag<(int Index, int Thread, int TorchThreads, bool Inference)>();
        BatchWorkers.ForEach(40, 2, i =>
        {
            Thread.Sleep(5);  // long enough that both workers get indices
            seen.Add((i, Environment.CurrentManagedThreadId, get_num_threads(), is_inference_mode_enabled()));
        });
        Assert.Equal(Enumerable.Range(0, 40), seen.Select(s => s.Index).Order());
        Assert.Equal(2, seen.Select(s => s.Thread).Distinct().Count());
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, seen.Select(s => s.Thread));
        Assert.All(seen, s => Assert.Equal(1, s.TorchThreads));
        Assert.All(seen, s => Assert.True(s.Inference));
    }

    [Fact]
    public void TorchThreadsAreRestoredForTheCallerAndForThreadsStartedLater()
    {
        int before = get_num_threads();
        BatchWorkers.ForEach(4, 2, _ => { using var t = ones(8).sum(); });
        Assert.Equal(before, get_num_threads());
        // libtorch gives a new thread the process default, which the workers had set to 1.
        int later = 0;
        var thread = new Thread(() => later = get_num_threads());
        thread.Start();
        thread.Join();
        Assert.Equal(before, later);
    }

    [Fact]
    public void ThreadsStartedWhileWorkersRunKeepTorchsThreadCount()
    {
        int before = get_num_threads();
        set_num_threads(3);  // not the machine's default, so a thread that fell back to it would be seen
        try
        {
            int startedDuring = 0, workerDuring = 0;
            BatchWorkers.ForEach(4, 2, i =>
            {
                if (i != 0)
                {
                    return;
                }

                workerDuring = get_num_threads();
                startedDuring = RunOnNewThread(get_num_threads);
            });
            Assert.Equal(1, workerDuring);
            Assert.Equal(3, startedDuring);
            Assert.Equal(3, get_num_threads());
        }
        finally
        {
            set_num_threads(before);
        }
    }

    [Fact]
    public void OneWorkerRunsOnTheCallingThreadInOrder()
    {
        var order = new List<(int Index, int Thread)>();
        BatchWorkers.ForEach(5, 1, i => order.Add((i, Environment.CurrentManagedThreadId)));
        Assert.Equal([0, 1, 2, 3, 4], order.Select(o => o.Index));
        Assert.All(order, o => Assert.Equal(Environment.CurrentManagedThreadId, o.Thread));
    }

    [Fact]
    public void TheFirstFailureStopsTheWorkAndIsRethrown()
    {
        int before = get_num_threads(), ran = 0;
        var error = Assert.Throws<InvalidDataException>(() => BatchWorkers.ForEach(1000, 2, i =>
        {
            Interlocked.Increment(ref ran);
            if (i == 3)
            {
                throw new InvalidDataException("batch 3 is broken");
            }

            Thread.Sleep(1);
        }));
        Assert.Equal("batch 3 is broken", error.Message);
        Assert.True(ran < 1000, $"all {ran} batches ran after the failure");
        Assert.Equal(before, get_num_threads());
    }

    [Fact]
    public void TheSequenceIsReadLazilyAndItsFailureIsRethrown()
    {
        int made = 0;
        IEnumerable<int> Batches()
        {
            for (int i = 0; ; i++)
            {
                if (i == 5)
                {
                    throw new InvalidDataException("line 6 of the input is malformed");
                }

                Interlocked.Increment(ref made);
                yield return i;
            }
        }
        var computed = new ConcurrentBag<int>();
        var error = Assert.Throws<InvalidDataException>(() => BatchWorkers.ForEach(Batches(), 2, computed.Add));
        Assert.Equal("line 6 of the input is malformed", error.Message);
        Assert.Equal(5, made);
        Assert.Equal([0, 1, 2, 3, 4], computed.Order());
    }

    private static int RunOnNewThread(Func<int> read)
    {
        int value = 0;
        var thread = new Thread(() => value = read());
        thread.Start();
        thread.Join();
        return value;
    }

    [Fact]
    public void BadArgumentsAreNamed()
    {
        Assert.Equal("workers", Assert.Throws<ArgumentOutOfRangeException>(() => BatchWorkers.ForEach(3, 0, _ => { })).ParamName);
        Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => BatchWorkers.ForEach(-1, 2, _ => { })).ParamName);
        BatchWorkers.ForEach(0, 2, _ => throw new InvalidOperationException("nothing to run"));
    }
}
