using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using static TorchSharp.torch;

namespace NotebookSupport.Bench;

/// <summary>
/// Target 1: encoding the 2,552 unique STSb-test sentences (batch 64, sorted by length) with TorchSharp in float32
/// and in bfloat16, against ONNX Runtime on the original ONNX model, in this process, on the same batches.
/// </summary>
internal static class EncodeBenchmark
{
    private const int BatchSize = 64;
    private const int Rounds = 5;

    public static TargetResult Run(PyTorchReference? pytorch, BenchOptions options)
    {
        var result = new TargetResult("encode", "1. Encoding (STSb test, 2,552 unique sentences, batch 64, sorted by length)",
            "`Encode` with default settings >= 1.0x ONNX Runtime at its best configuration (one batch at a time or batch workers, whichever is faster); " +
            "bfloat16 >= 2.0x that, with every embedding's cosine to the float32 one >= 0.999.")
        {
            Header = ["backend", "sentences/s", "s/pass (median, range)", "vs ONNX Runtime", "min cosine"],
        };
        using var model = BundledMiniLm.Create();
        var sentences = BenchData.StsTestUniqueSentences();
        if (options.Sentences > 0)
        {
            sentences = sentences.Take(options.Sentences).ToList();
        }

        var batches = new EncodeBatches(sentences, model.Transformer.Tokenizer, BatchSize, model.MaxSeqLength);
        if (options.Sentences > 0)
        {
            result.Note($"Only the first {options.Sentences} sentences were encoded (--sentences).");
        }

        Console.WriteLine($"   {batches.Count} sentences, {batches.RealTokens} tokens, padding efficiency {(double)batches.RealTokens / batches.PaddedTokens:F2}");

        using var ort = new OrtEncoder(BundledMiniLm.ReadOnnxModel(), options.Threads);
        using var ortSingle = new OrtEncoder(BundledMiniLm.ReadOnnxModel(), 1);
        model.eval();
        int d = model.EmbeddingDimension, workers = BatchWorkers.DefaultCount(model.Transformer.AutoModel.Device);
        bool nativeBf16 = CpuFeatures.HasNativeBFloat16 == true;
        var ortBaseline = new Backend($"ONNX Runtime 1.31.1 float32 ({options.Threads} intra-op threads)", Precision.Float32, Kind.Ort, 1);
        var torch32 = new Backend($"TorchSharp float32 ({workers} batch workers)", Precision.Float32, Kind.Torch, workers);
        var torch16 = new Backend($"TorchSharp bfloat16 (mixed, {workers} batch workers)", Precision.BFloat16, Kind.Torch, workers);
        var encode32 = new Backend("SentenceTransformer.Encode float32, default settings (incl. tokenization)", Precision.Float32, Kind.Api, workers);
        var encode16 = new Backend("SentenceTransformer.Encode bfloat16 (incl. tokenization)", Precision.BFloat16, Kind.Api, workers);
        var ortWorkers = new Backend($"ONNX Runtime float32, {workers} batch workers (1 intra-op thread each)", Precision.Float32, Kind.Ort, workers);
        List<Backend> backends =
        [
            ortBaseline, torch32, torch16, encode32, encode16,
            new Backend($"TorchSharp float32, one batch at a time ({options.Threads} intra-op threads)", Precision.Float32, Kind.Torch, 1),
            new Backend($"TorchSharp bfloat16, one batch at a time ({options.Threads} intra-op threads)", Precision.BFloat16, Kind.Torch, 1),
            ortWorkers,
        ];
        // Without native bfloat16 a bf16 pass takes about ten float32 ones: the bf16 backends get one pass each, after the rounds.
        var interleaved = backends.Where(b => nativeBf16 || b.Precision == Precision.Float32).ToList();
        float[] TorchEncode(TokenizedBatch batch) => model.Forward(batch).data<float>().ToArray();
        double Pass(Backend b, float[] embeddings)
        {
            model.Precision = b.Precision;
            if (b.Kind == Kind.Api)
            {
                model.EncodeWorkers = b.Workers;
                long start = Stopwatch.GetTimestamp();
                model.Encode(sentences, BatchSize);
                return Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            if (b.Kind == Kind.Ort)
            {
                return TimedPass(batches, b.Workers == 1 ? ort.Encode : ortSingle.Encode, b.Workers, embeddings, d);
            }

            using var cache = model.Transformer.AutoModel.CacheWeightsForInference();
            BatchWorkers.ForEach(2, b.Workers, i => TorchEncode(batches.Batches[i].Batch));
            return TimedPass(batches, TorchEncode, b.Workers, embeddings, d);
        }

        // Interleaved rounds: every round runs one pass of each backend, in an order rotated from round to round, so a
        // slow minute of this shared machine lands on all of them; each backend's ratio to ONNX Runtime is the median of
        // its per-round ratios.
        var embeddings = backends.ToDictionary(b => b, _ => new float[batches.Count * d]);
        foreach (var b in interleaved)
        {
            Pass(b, embeddings[b]);  // warm-up: kernels, primitive caches, JIT
        }

        var seconds = backends.ToDictionary(b => b, _ => new List<double>());
        for (int round = 0; round < Rounds; round++)
        {
            for (int k = 0; k < interleaved.Count; k++)
            {
                var b = interleaved[(k + round) % interleaved.Count];
                seconds[b].Add(Pass(b, embeddings[b]));
                Thread.Sleep(200);  // let the previous backend's spinning worker threads go idle
            }
        }
        foreach (var b in backends.Except(interleaved))
        {
            seconds[b].Add(Pass(b, embeddings[b]));
        }
        model.Precision = Precision.Float32;
        model.EncodeWorkers = null;
        // A backend timed once (not interleaved) is compared with the median ONNX Runtime pass.
        double Ratio(Backend b) => seconds[b].Count == Rounds
            ? Measure.Median(Enumerable.Range(0, Rounds).Select(r => seconds[ortBaseline][r] / seconds[b][r]).ToList())
            : Measure.Median(seconds[ortBaseline]) / seconds[b][0];
        double Rate(Backend b) => batches.Count / Measure.Median(seconds[b]);
        string Spread(Backend b) => seconds[b].Count == 1 ? $"{seconds[b][0]:F3} (one pass)" : $"{Measure.Median(seconds[b]):F3} ({seconds[b].Min():F2}-{seconds[b].Max():F2})";

        double fp32VsOrt = MinCosine(embeddings[torch32], embeddings[ortBaseline], d), bf16VsFp32 = MinCosine(embeddings[torch16], embeddings[torch32], d);
        var cosines = new Dictionary<Backend, string> { [ortBaseline] = "reference", [torch32] = $"{fp32VsOrt:F7} (vs ORT)", [torch16] = $"{bf16VsFp32:F5} (vs float32)" };
        foreach (var b in backends)
        {
            result.Row(b.Name, $"{Rate(b):F0}", Spread(b), $"{Ratio(b):F2}x", cosines.GetValueOrDefault(b, ""));
        }

        if (pytorch?.Encode is { } py)
        {
            result.Row($"PyTorch {py.Version} float32 (subprocess, bench_encode.py, not interleaved)", $"{py.SentencesPerSecond:F0}", $"{py.PassSeconds:F3}",
                $"{py.SentencesPerSecond / Rate(ortBaseline):F2}x", "");
            result.Note($"Encode float32 / PyTorch = {Rate(encode32) / py.SentencesPerSecond:F2}x; bfloat16 / PyTorch = {Rate(encode16) / py.SentencesPerSecond:F2}x (sentences/s ratios; PyTorch ran in its own window).");
        }
        result.Note($"{Rounds} interleaved rounds (one pass per backend each, order rotated per round); s/pass is the median with the range; " +
            "\"vs ONNX Runtime\" is the median of the per-round time ratios.");
        if (!nativeBf16)
        {
            result.Note($"This CPU has no {Machine.NativeBFloat16}: the bfloat16 rows are one pass each after the rounds " +
                "(emulated bfloat16 is far slower than float32 here), compared with the median ONNX Runtime pass.");
        }
        result.Note($"Batch workers: each of {workers} threads takes the next batch and computes it with one intra-op thread (BatchWorkers; " +
            "SentenceTransformer.Encode does this on the CPU by default). ONNX Runtime's best configuration, the targets' baseline, is the faster of " +
            $"one batch at a time with {options.Threads} intra-op threads (first row) and batch workers (last row, {Ratio(ortWorkers):F2}x the first).");
        double best = Math.Max(1.0, Ratio(ortWorkers));
        string bestName = best > 1.0 ? "batch workers" : "one batch at a time";
        result.Verdict($"Encode float32 (default settings) / ONNX Runtime at its best ({bestName}) = {Ratio(encode32) / best:F2}x (target >= 1.0x)", Ratio(encode32) / best >= 1.0);
        result.Verdict($"Encode bfloat16 / ONNX Runtime at its best = {Ratio(encode16) / best:F2}x (target >= 2.0x)", Ratio(encode16) / best >= 2.0);
        result.Verdict($"min cosine bfloat16 vs float32 = {bf16VsFp32:F5} (target >= 0.999)", bf16VsFp32 >= 0.999);
        return result;
    }

    private enum Kind { Ort, Torch, Api }

    /// <summary>A way to encode: ONNX Runtime or TorchSharp on the prepared batches, or the public Encode from strings.</summary>
    private sealed record Backend(string Name, Precision Precision, Kind Kind, int Workers);

    /// <summary>
    /// Seconds for one pass over all batches, <paramref name="workers"/> batches at a time (BatchWorkers, which also
    /// serves ONNX Runtime here: it only schedules); the embeddings land at their sentences' indices.
    /// </summary>
    private static double TimedPass(EncodeBatches batches, Func<TokenizedBatch, float[]> encode, int workers, float[] embeddings, int dimension)
    {
        long start = Stopwatch.GetTimestamp();
        BatchWorkers.ForEach(batches.Batches.Count, workers, b =>
        {
            var (indices, batch) = batches.Batches[b];
            var flat = encode(batch);
            for (int j = 0; j < indices.Length; j++)
            {
                Array.Copy(flat, j * dimension, embeddings, indices[j] * dimension, dimension);
            }
        });
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static double MinCosine(float[] a, float[] b, int dimension)
    {
        double min = double.MaxValue;
        for (int i = 0; i < a.Length / dimension; i++)
        {
            double dot = 0, na = 0, nb = 0;
            for (int k = i * dimension; k < (i + 1) * dimension; k++)
            {
                dot += a[k] * b[k];
                na += a[k] * a[k];
                nb += b[k] * b[k];
            }
            min = Math.Min(min, dot / Math.Sqrt(na * nb));
        }
        return min;
    }
}
