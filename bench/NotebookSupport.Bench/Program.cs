using NotebookSupport.Bench;
using TorchSharp;

// dotnet run -c Release --project bench/NotebookSupport.Bench -- [real-epoch|encode|train-step|epoch|memory|bf16-quality|all] [--pytorch]
var options = BenchOptions.Parse(args);
if (options.MemoryChild is { } child)
{
    return MemoryBenchmark.RunChild(child, options);
}

torch.set_num_threads(options.Threads);
Console.WriteLine($"NotebookSupport benchmarks, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
Console.WriteLine($"   machine: {Machine.Describe()}");
Console.WriteLine($"   torch threads {torch.get_num_threads()}, interop {torch.get_num_interop_threads()}; load average at start {Machine.LoadAverage}");
string loadAtStart = Machine.LoadAverage;

PyTorchReference? pytorch = null;
if (options.PyTorch)
{
    pytorch = PyTorchReference.TryCreate(options.PyTorchScripts);
    if (pytorch is not null)
    {
        if (options.Targets.Contains("encode"))
        {
            pytorch.RunEncode();
        }

        if (options.Targets.Contains("train-step"))
        {
            pytorch.RunTrain([32, 64]);
        }
    }
}

var results = new List<TargetResult>();
var epochs = new EpochRuns(options);
foreach (var target in options.Targets)
{
    Console.WriteLine();
    Console.WriteLine($"== {target}");
    results.Add(target switch
    {
        "encode" => EncodeBenchmark.Run(pytorch, options),
        "train-step" => TrainStepBenchmark.Run(pytorch, options),
        "real-epoch" => RealEpochBenchmark.Run(epochs, pytorch),
        "epoch" => EpochBenchmark.Run(epochs),
        "memory" => MemoryBenchmark.Run(options),
        "bf16-quality" => Bf16QualityBenchmark.Run(epochs),
        _ => throw new ArgumentException($"unknown target '{target}'"),
    });
}
Console.WriteLine();
Console.WriteLine($"load average at end {Machine.LoadAverage}");
if (options.WriteResults)
{
    var path = ResultsFile.Update(results, loadAtStart, Machine.LoadAverage, pytorch);
    Console.WriteLine($"results written to {path}");
}
return 0;
