using System.Diagnostics;
using System.Text.Json;
using NotebookSupport.Hub;

namespace NotebookSupport.Bench;

/// <summary>
/// Runs the PyTorch reference scripts (../shared/bench/pytorch-reference, or <c>--pytorch-scripts DIR</c>) as
/// subprocesses on the same machine in the same run, with Debian's <c>/usr/bin/python3</c> and torch, and reads
/// their JSON output. The scripts get the bundled model as a Hugging Face folder written here.
/// </summary>
internal sealed class PyTorchReference
{
    private const string Python = "/usr/bin/python3";

    private PyTorchReference(string scripts, string modelDir)
    {
        Scripts = scripts;
        ModelDir = modelDir;
    }

    public string Scripts { get; }

    public string ModelDir { get; }

    public EncodeFigures? Encode { get; private set; }

    public TrainFigures? Train { get; private set; }

    public sealed record EncodeFigures(string Version, double SentencesPerSecond, double PassSeconds);

    public sealed record TrainFigures(string Version, string Blas, double SgemmGflops, IReadOnlyDictionary<int, double> StepSeconds);

    /// <summary>The reference's epoch on the bundled pairs.</summary>
    /// <param name="Label">"float32" or "bf16 autocast".</param>
    /// <param name="Version">torch and its version.</param>
    /// <param name="Blas">The BLAS torch loaded.</param>
    /// <param name="EpochSeconds">The script's epoch time: mean timed step x the epoch's batches (tokenization not included).</param>
    /// <param name="TimedBatches">Batches timed (after 3 warm-ups).</param>
    /// <param name="Batches">Batches in the epoch.</param>
    /// <param name="FirstLoss">The first timed batch's loss.</param>
    /// <param name="LastLoss">The last timed batch's loss.</param>
    public sealed record RealEpochFigures(string Label, string Version, string Blas, double EpochSeconds, int TimedBatches, int Batches, double FirstLoss, double LastLoss);

    /// <summary>The reference, or null (with the reason printed) when python3 with torch or the scripts are missing.</summary>
    public static PyTorchReference? TryCreate(string? scriptsOption)
    {
        var scripts = scriptsOption ?? Path.GetFullPath(Path.Combine(BenchData.RepoRoot, "..", "..", "shared", "bench", "pytorch-reference"));
        if (!File.Exists(Path.Combine(scripts, "bench_train.py")))
        {
            scripts = "/work/shared/bench/pytorch-reference";
        }

        if (!File.Exists(Path.Combine(scripts, "bench_train.py")))
        {
            Console.WriteLine($"   PyTorch reference skipped: bench_train.py not found (give --pytorch-scripts DIR).");
            return null;
        }
        if (!File.Exists(Python) || Run(Python, ["-c", "import torch, numpy"], null, TimeSpan.FromMinutes(1)).ExitCode != 0)
        {
            Console.WriteLine($"   PyTorch reference skipped: {Python} cannot import torch and numpy (apt-get install python3-torch python3-numpy libopenblas0-openmp).");
            return null;
        }
        var modelDir = Path.Combine(BenchData.RepoRoot, "bench", "out", "all-MiniLM-L6-v2-hf");
        WriteModelFolder(modelDir);
        return new PyTorchReference(scripts, modelDir);
    }

    /// <summary>bench_encode.py, torch backend, sorted order.</summary>
    public void RunEncode()
    {
        var json = Path.Combine(BenchData.RepoRoot, "bench", "out", "pytorch-encode.json");
        RunScript("bench_encode.py", ["--weights", ModelDir, "--orders", "sorted", "--backends", "torch", "--json", json]);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var run = doc.RootElement.GetProperty("runs").GetProperty("torch-sorted");
        Encode = new EncodeFigures(run.GetProperty("version").GetString() ?? "torch",
            run.GetProperty("sentences_per_s").GetDouble(), run.GetProperty("median_pass_s").GetDouble());
    }

    /// <summary>bench_train.py: sgemm peak and the fixed-shape training steps (kept in <see cref="Train"/> and returned).</summary>
    public TrainFigures RunTrain(IReadOnlyList<int> lengths)
    {
        var json = Path.Combine(BenchData.RepoRoot, "bench", "out", "pytorch-train.json");
        RunScript("bench_train.py", ["--weights", ModelDir, "--parts", "matmul,fixed", "--lens", string.Join(",", lengths), "--json", json]);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        var info = root.GetProperty("info");
        double sgemm = root.GetProperty("matmul").EnumerateObject().First().Value.GetProperty("gflops_median").GetDouble();
        var steps = root.GetProperty("fixed").EnumerateObject()
            .ToDictionary(p => int.Parse(p.Name), p => p.Value.GetProperty("median_step_s").GetDouble());
        Train = new TrainFigures("torch " + info.GetProperty("torch").GetString(), info.GetProperty("blas").GetString() ?? "", sgemm, steps);
        return Train;
    }

    /// <summary>
    /// bench_train.py's <c>real</c> part: SNLI dev+test entailment pairs in file order, batch 32, in float32 or under
    /// bf16 autocast. <paramref name="timedBatches"/> 0 times the whole epoch after <paramref name="warmup"/> untimed batches.
    /// </summary>
    public RealEpochFigures RunRealEpoch(bool bf16, int timedBatches, int warmup = 3)
    {
        var json = Path.Combine(BenchData.RepoRoot, "bench", "out", $"pytorch-real-{(bf16 ? "bf16" : "fp32")}.json");
        RunScript("bench_train.py", ["--weights", ModelDir, "--parts", "real", "--real-steps", $"{timedBatches}", "--warmup", $"{warmup}", "--json", json, .. bf16 ? new[] { "--bf16" } : []],
            TimeSpan.FromMinutes(60));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        var info = root.GetProperty("info");
        var real = root.GetProperty("real");
        var losses = real.GetProperty("losses").EnumerateArray().Select(l => l.GetDouble()).ToList();
        return new RealEpochFigures(bf16 ? "bf16 autocast" : "float32", "torch " + info.GetProperty("torch").GetString(), info.GetProperty("blas").GetString() ?? "",
            real.GetProperty("est_epoch_s").GetDouble(), real.GetProperty("timed_batches").GetInt32(), real.GetProperty("batches_in_data").GetInt32(), losses[0], losses[^1]);
    }

    private void RunScript(string script, string[] arguments, TimeSpan? timeout = null)
    {
        Console.WriteLine($"   running {script} {string.Join(' ', arguments.Where(a => a.StartsWith("--", StringComparison.Ordinal)))} (PyTorch reference, subprocess) ...");
        // The README's setting for CPUs with AVX-512: OpenBLAS's AVX-512 kernels, for this one command only. Without
        // AVX-512 OpenBLAS picks its kernels itself.
        var env = Models.CpuFeatures.Flags?.Contains("avx512f") == true ? new Dictionary<string, string> { ["OPENBLAS_CORETYPE"] = "SkylakeX" } : [];
        var (code, _) = Run(Python, [Path.Combine(Scripts, script), .. arguments], env, timeout ?? TimeSpan.FromMinutes(15), echo: true);
        if (code != 0)
        {
            throw new InvalidOperationException($"{script} exited with code {code}.");
        }
    }

    private static (int ExitCode, string Output) Run(string file, string[] arguments, Dictionary<string, string>? env, TimeSpan timeout, bool echo = false)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in env ?? [])
        {
            info.Environment[k] = v;
        }

        var output = new System.Text.StringBuilder();
        using var process = new Process { StartInfo = info };
        void OnLine(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (echo)
            {
                Console.WriteLine("   | " + e.Data);
            }
        }
        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(" ", arguments)} did not finish within {timeout}.");
        }
        process.WaitForExit();
        return (process.ExitCode, output.ToString());
    }

    /// <summary>config.json, model.safetensors and vocab.txt of the bundled model: what the scripts' MODEL_DIR needs.</summary>
    private static void WriteModelFolder(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "config.json"), BundledMiniLm.Config.ToJson());
        var weights = BundledMiniLm.ReadStateDict();
        try
        {
            SafeTensors.Save(weights, Path.Combine(folder, "model.safetensors"));
        }
        finally
        {
            foreach (var t in weights.Values)
            {
                t.Dispose();
            }
        }
        using (var vocab = BundledMiniLm.OpenVocab())
        using (var file = File.Create(Path.Combine(folder, "vocab.txt")))
        {
            vocab.CopyTo(file);
        }

        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), "{\"do_lower_case\": true}");
        File.WriteAllText(Path.Combine(folder, "sentence_bert_config.json"), "{\"max_seq_length\": 256, \"do_lower_case\": false}");
    }
}
