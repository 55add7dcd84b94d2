using Microsoft.ML.OnnxRuntime;
using NotebookSupport.Tokenization;

namespace NotebookSupport.Bench;

/// <summary>
/// ONNX Runtime on the bundled all-MiniLM-L6-v2 ONNX model (default graph optimisation, the given number of intra-op
/// threads, one inter-op thread, as bench_encode.py configures it), with mean pooling and L2 normalisation in C#.
/// </summary>
internal sealed class OrtEncoder : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _outputName;
    private readonly bool _hasTokenTypes;
    private readonly int _dimension;

    public OrtEncoder(byte[] onnxModel, int threads)
    {
        var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        _session = new InferenceSession(onnxModel, options);
        _outputName = _session.OutputMetadata.Keys.Contains("last_hidden_state") ? "last_hidden_state" : _session.OutputMetadata.Keys.First();
        _hasTokenTypes = _session.InputMetadata.ContainsKey("token_type_ids");
        _dimension = _session.OutputMetadata[_outputName].Dimensions[^1];
        Optimization = options.GraphOptimizationLevel.ToString();
    }

    public string Optimization { get; }

    /// <summary>Normalised mean-pooled embeddings of <paramref name="batch"/>, row after row.</summary>
    public float[] Encode(TokenizedBatch batch)
    {
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        var names = new List<string> { "input_ids", "attention_mask" };
        var inputs = new List<OrtValue>
        {
            OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape),
            OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape),
        };
        if (_hasTokenTypes)
        {
            names.Add("token_type_ids");
            inputs.Add(OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape));
        }
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, names, inputs, [_outputName]);
        foreach (var input in inputs)
        {
            input.Dispose();
        }

        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        var result = new float[batch.BatchSize * _dimension];
        int length = batch.SequenceLength;
        for (int b = 0; b < batch.BatchSize; b++)
        {
            var row = result.AsSpan(b * _dimension, _dimension);
            int count = 0;
            for (int t = 0; t < length; t++)
            {
                if (batch.AttentionMask[b * length + t] == 0)
                {
                    continue;
                }

                count++;
                var token = hidden.Slice((b * length + t) * _dimension, _dimension);
                for (int k = 0; k < _dimension; k++)
                {
                    row[k] += token[k];
                }
            }
            double norm = 0;
            for (int k = 0; k < _dimension; k++)
            {
                row[k] /= Math.Max(count, 1);
                norm += row[k] * row[k];
            }
            float scale = (float)(1 / Math.Max(Math.Sqrt(norm), 1e-12));
            for (int k = 0; k < _dimension; k++)
            {
                row[k] *= scale;
            }
        }
        return result;
    }

    public void Dispose() => _session.Dispose();
}
