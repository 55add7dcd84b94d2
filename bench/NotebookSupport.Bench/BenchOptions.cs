namespace NotebookSupport.Bench;

/// <summary>Command line: targets, then options.</summary>
internal sealed record BenchOptions
{
    public static readonly string[] AllTargets = ["real-epoch", "encode", "train-step", "epoch", "memory", "bf16-quality"];

    public List<string> Targets { get; init; } = [];

    /// <summary>Also run the PyTorch reference scripts as subprocesses and print our/their ratios.</summary>
    public bool PyTorch { get; init; }

    public string? PyTorchScripts { get; init; }

    public int Threads { get; init; } = 2;

    /// <summary>Timed steps per fixed-shape measurement (after 3 warm-ups).</summary>
    public int Steps { get; init; } = 10;

    /// <summary>Pairs per training step in the memory benchmark.</summary>
    public int MemoryBatch { get; init; } = 512;

    public int MiniBatch { get; init; } = 32;

    /// <summary>Limit the epoch benchmarks to this many batches (0 = the whole epoch); for quick checks.</summary>
    public int EpochBatches { get; init; }

    public bool WriteResults { get; init; } = true;

    /// <summary>Encode only this many of the STSb-test sentences (0 = all 2,552); for quick checks.</summary>
    public int Sentences { get; init; }

    /// <summary>Internal: run one memory measurement in this (child) process: "plain" or "cached".</summary>
    public string? MemoryChild { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var targets = new List<string>();
        var o = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"argument {i + 1} ('{a}'): expected a value after it.");
            int NextInt() => int.TryParse(Next(), out int v) && v >= 0 ? v : throw new ArgumentException($"argument {i + 1} ('{a}'): expected a non-negative integer, got '{args[i]}'.");
            switch (a)
            {
                case "all": targets.AddRange(AllTargets); break;
                case var t when AllTargets.Contains(t): targets.Add(t); break;
                case "--pytorch": o = o with { PyTorch = true }; break;
                case "--pytorch-scripts": o = o with { PyTorch = true, PyTorchScripts = Next() }; break;
                case "--threads": o = o with { Threads = Math.Max(1, NextInt()) }; break;
                case "--steps": o = o with { Steps = Math.Max(1, NextInt()) }; break;
                case "--memory-batch": o = o with { MemoryBatch = Math.Max(2, NextInt()) }; break;
                case "--mini-batch": o = o with { MiniBatch = Math.Max(1, NextInt()) }; break;
                case "--epoch-batches": o = o with { EpochBatches = NextInt() }; break;
                case "--no-results": o = o with { WriteResults = false }; break;
                case "--sentences": o = o with { Sentences = NextInt() }; break;
                case "--memory-child": o = o with { MemoryChild = Next() }; break;
                default:
                    throw new ArgumentException(
                        $"argument {i + 1}: unknown '{a}'. Usage: [real-epoch|encode|train-step|epoch|memory|bf16-quality|all]... " +
                        "[--pytorch] [--pytorch-scripts DIR] [--threads N] [--steps N] [--memory-batch N] [--mini-batch N] [--epoch-batches N] [--sentences N] [--no-results]");
            }
        }
        if (targets.Count == 0 && o.MemoryChild is null)
        {
            targets.AddRange(AllTargets);
        }

        return o with { Targets = targets.Distinct().ToList() };
    }
}
