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
    private const int Passes = 3;

    public static TargetResult Run(PyTorchReference? pytorch, BenchOptions options)
    {
        var result = new TargetResult("encode", "1. Encoding (STSb test, 2,552 unique sentences, batch 64, sorted by length)",
            "TorchSharp float32 >= 1.0x ONNX Runtime; bfloat16 >= 2.0x ONNX Runtime float32 with every embedding's cosine to the float32 one >= 0.999.")
        {
            Header = ["backend", "sentences/s", "s/pass (median of 3)", "vs ONNX Runtime", "min cosine"],
        };
        using var model = BundledMiniLm.Create();
        var sentences = BenchData.StsTestUniqueSentences();
        if (options.Sentences > 0) sentences = sentences.Take(options.Sentences).ToList();
        var batches = new EncodeBatches(sentences, model.Transformer.Tokenizer, BatchSize, model.MaxSeqLength);
        if (options.Sentences > 0) result.Note($"Only the first {options.Sentences} sentences were encoded (--sentences).");
        Console.WriteLine($"   {batches.Count} sentences, {batches.RealTokens} tokens, padding efficiency {(double)batches.RealTokens / batches.PaddedTokens:F2}");

        using var ort = new OrtEncoder(BundledMiniLm.ReadOnnxModel(), options.Threads);
        var (ortRate, ortPass, ortEmb) = Time(batches, ort.Encode, model.EmbeddingDimension);

        model.eval();
        model.Precision = Precision.Float32;
        float[] TorchEncode(TokenizedBatch batch)
        {
            using var scope = NewDisposeScope();
            return model.Forward(batch).data<float>().ToArray();
        }
        (double Rate, double Pass, float[] Emb) RunTorch(Precision precision)
        {
            model.Precision = precision;
            using var inference = inference_mode();
            using var cache = model.Transformer.AutoModel.CacheWeightsForInference();
            return Time(batches, TorchEncode, model.EmbeddingDimension);
        }
        var fp32 = RunTorch(Precision.Float32);
        var bf16 = RunTorch(Precision.BFloat16);

        int d = model.EmbeddingDimension;
        double fp32VsOrt = MinCosine(fp32.Emb, ortEmb, d), bf16VsFp32 = MinCosine(bf16.Emb, fp32.Emb, d);
        result.Row($"ONNX Runtime 1.31.1 float32 ({options.Threads} intra-op threads)", $"{ortRate:F0}", $"{ortPass:F3}", "1.00x", "reference");
        result.Row("TorchSharp float32", $"{fp32.Rate:F0}", $"{fp32.Pass:F3}", $"{fp32.Rate / ortRate:F2}x", $"{fp32VsOrt:F7} (vs ORT)");
        result.Row("TorchSharp bfloat16 (mixed)", $"{bf16.Rate:F0}", $"{bf16.Pass:F3}", $"{bf16.Rate / ortRate:F2}x", $"{bf16VsFp32:F5} (vs float32)");

        // The public API as a user calls it (sorts by characters, tokenizes inside the timing).
        model.Precision = Precision.Float32;
        double apiSeconds = Measure.MedianSeconds(() => model.Encode(sentences, BatchSize), reps: 3, warmup: 1);
        result.Row("SentenceTransformer.Encode float32 (incl. tokenization)", $"{sentences.Count / apiSeconds:F0}", $"{apiSeconds:F3}", $"{sentences.Count / apiSeconds / ortRate:F2}x", "");
        model.Precision = Precision.BFloat16;
        apiSeconds = Measure.MedianSeconds(() => model.Encode(sentences, BatchSize), reps: 3, warmup: 1);
        result.Row("SentenceTransformer.Encode bfloat16 (incl. tokenization)", $"{sentences.Count / apiSeconds:F0}", $"{apiSeconds:F3}", $"{sentences.Count / apiSeconds / ortRate:F2}x", "");
        model.Precision = Precision.Float32;

        if (pytorch?.Encode is { } py)
        {
            result.Row($"PyTorch {py.Version} float32 (subprocess, bench_encode.py)", $"{py.SentencesPerSecond:F0}", $"{py.PassSeconds:F3}",
                $"{py.SentencesPerSecond / ortRate:F2}x", "");
            result.Note($"TorchSharp float32 / PyTorch = {fp32.Rate / py.SentencesPerSecond:F2}x; bfloat16 / PyTorch = {bf16.Rate / py.SentencesPerSecond:F2}x.");
        }
        result.Verdict($"float32 / ONNX Runtime = {fp32.Rate / ortRate:F2}x (target >= 1.0x)", fp32.Rate / ortRate >= 1.0);
        result.Verdict($"bfloat16 / ONNX Runtime = {bf16.Rate / ortRate:F2}x (target >= 2.0x)", bf16.Rate / ortRate >= 2.0);
        result.Verdict($"min cosine bfloat16 vs float32 = {bf16VsFp32:F5} (target >= 0.999)", bf16VsFp32 >= 0.999);
        return result;
    }

    private static (double Rate, double PassSeconds, float[] Embeddings) Time(EncodeBatches batches, Func<TokenizedBatch, float[]> encode, int dimension)
    {
        foreach (var (_, batch) in batches.Batches.Take(3)) encode(batch);
        var passes = new List<double>();
        var embeddings = new float[batches.Count * dimension];
        for (int p = 0; p < Passes; p++)
        {
            long start = Stopwatch.GetTimestamp();
            foreach (var (indices, batch) in batches.Batches)
            {
                var flat = encode(batch);
                for (int j = 0; j < indices.Length; j++)
                    Array.Copy(flat, j * dimension, embeddings, indices[j] * dimension, dimension);
            }
            passes.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        double median = Measure.Median(passes);
        return (batches.Count / median, median, embeddings);
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
