using Microsoft.ML.OnnxRuntime;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Hub;

/// <summary>
/// The TorchSharp encoder on the converted weights must reproduce ONNX Runtime running the very ONNX file the
/// weights came from, on the same token ids.
/// </summary>
[Collection(BundledMiniLmCollection.Name)]
public sealed class OnnxRuntimeParityTests(BundledMiniLmFixture fixture)
{
    private static readonly string[] _sentences =
    [
        "A man is playing a guitar.",
        "",
        "Café au lait, s'il vous plaît! Naïve résumé.",
        "The quick brown fox jumps over the lazy dog while 3,141 onlookers (and 2 cats) watch; nobody knows why.",
        "Hi",
        "Unaffable zxqvbn tokens: ##odd [weird] {braces} <tags> & 100% \"quotes\".",
        string.Join(" ", Enumerable.Repeat("Sentence transformers map text to dense vectors.", 40)),
        "東京 is the capital of Japan.",
    ];

    private const int Hidden = 384;

    [Fact]
    public void OnnxGraphHasTheExpectedInputsAndOutputs()
    {
        using var session = new InferenceSession(BundledMiniLm.ReadOnnxModel());
        Assert.Equal(["input_ids", "attention_mask", "token_type_ids"], session.InputNames);
        Assert.Equal("last_hidden_state", session.OutputNames[0]);
    }

    [Fact]
    public void TokenEmbeddingsAndPooledEmbeddingsMatchOnnxRuntime()
    {
        var model = fixture.Model;
        var batch = model.Tokenize(_sentences);
        Assert.Contains(0L, batch.AttentionMask);  // the batch really is padded
        Assert.Equal(BundledMiniLm.MaxSeqLength, batch.SequenceLength);  // and the long sentence truncated

        var (ortTokens, ortPooler) = RunOnnxRuntime(batch);

        float[] ours, oursPooler, oursSentences, packed, packedSentences;
        model.eval();
        var bert = model.Transformer.AutoModel;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            // Hugging Face's way first: every position of the padded grid computed.
            bert.SkipPadding = false;
            var tokens = model.Transformer.Forward(batch);
            ours = tokens.data<float>().ToArray();
            oursPooler = bert.PoolerOutput(tokens).data<float>().ToArray();
            oursSentences = model.Forward(batch).data<float>().ToArray();
            bert.SkipPadding = true;
            packed = model.Transformer.Forward(batch).data<float>().ToArray();
            packedSentences = model.Forward(batch).data<float>().ToArray();
        }

        Assert.Equal(ortTokens.Length, ours.Length);
        var (real, padding) = MaxAbsDiffByMask(ortTokens, ours, batch);
        Assert.True(real <= 1e-4, $"token embeddings of real tokens differ by {real}");
        // Outputs at padding positions are never used (pooling masks them) and are numerically touchy: in a row
        // with 2 real tokens and 254 padding positions they differ by ~2e-4 between any two attention kernels,
        // and even between ONNX Runtime with and without graph optimisations (~2e-5).
        Assert.True(padding <= 1e-3, $"token embeddings at padding positions differ by {padding}");
        Assert.True(MaxAbsDiff(ortPooler, oursPooler) <= 1e-4, $"pooler outputs differ by {MaxAbsDiff(ortPooler, oursPooler)}");

        var expected = MeanPoolAndNormalize(ortTokens, batch);
        Assert.True(MaxAbsDiff(expected, oursSentences) <= 1e-5, $"sentence embeddings differ by {MaxAbsDiff(expected, oursSentences)}");

        // Skipping padding (this batch is far below 90% real tokens, so the encoder packs it): the same numbers at
        // real tokens, zeros at padding, the same sentence embeddings.
        var (packedReal, packedPadding) = MaxAbsDiffByMask(ortTokens, packed, batch);
        Assert.True(packedReal <= 1e-4, $"packed: token embeddings of real tokens differ by {packedReal}");
        Assert.True(packed.Where((_, i) => batch.AttentionMask[i / model.EmbeddingDimension] == 0).All(x => x == 0f), "packed: padding positions are not zero");
        Assert.True(packedPadding > 0, "the packed output equals ONNX Runtime at padding positions too: packing did not happen");
        Assert.True(MaxAbsDiff(expected, packedSentences) <= 1e-5, $"packed: sentence embeddings differ by {MaxAbsDiff(expected, packedSentences)}");

        var encoded = model.Encode(_sentences, batchSize: 3).SelectMany(e => e).ToArray();
        Assert.True(MaxAbsDiff(expected, encoded) <= 1e-5, $"Encode differs by {MaxAbsDiff(expected, encoded)}");
    }

    [Fact]
    public void ShortBatchesWithRoundedUpKeysMatchOnnxRuntime()
    {
        // A batch whose length is not a multiple of 16: on the CPU the encoder rounds the keys up (TokenLayout.KeyLength).
        var model = fixture.Model;
        var batch = model.Tokenize([_sentences[0], _sentences[1], _sentences[4]]);
        Assert.True(batch.SequenceLength % TokenLayout.CpuKeyBlock >= 4, $"length {batch.SequenceLength}: pick sentences whose keys get rounded up");
        var (ortTokens, _) = RunOnnxRuntime(batch);
        model.eval();
        var bert = model.Transformer.AutoModel;
        foreach (bool skipPadding in new[] { false, true })
        {
            bert.SkipPadding = skipPadding;
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var ours = model.Transformer.Forward(batch).data<float>().ToArray();
            var (real, _) = MaxAbsDiffByMask(ortTokens, ours, batch);
            Assert.True(real <= 1e-4, $"SkipPadding {skipPadding}: token embeddings of real tokens differ by {real}");
        }
        bert.SkipPadding = true;
    }

    internal static (float[] Tokens, float[] Pooler) RunOnnxRuntime(TokenizedBatch batch)
    {
        using var session = new InferenceSession(BundledMiniLm.ReadOnnxModel());
        long[] shape = [batch.BatchSize, batch.SequenceLength];
        using var ids = OrtValue.CreateTensorValueFromMemory(batch.InputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [ids, mask, types],
            session.OutputNames);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }

    // sentence-transformers' mean pooling and normalisation, written out on plain arrays.
    internal static float[] MeanPoolAndNormalize(float[] tokens, TokenizedBatch batch)
    {
        var result = new float[batch.BatchSize * Hidden];
        for (int b = 0; b < batch.BatchSize; b++)
        {
            var sum = new double[Hidden];
            double count = 0;
            for (int t = 0; t < batch.SequenceLength; t++)
            {
                if (batch.AttentionMask[b * batch.SequenceLength + t] == 0)
                {
                    continue;
                }

                count++;
                for (int h = 0; h < Hidden; h++)
                {
                    sum[h] += tokens[(b * batch.SequenceLength + t) * Hidden + h];
                }
            }
            var mean = sum.Select(s => s / count).ToArray();
            double norm = Math.Sqrt(mean.Sum(m => m * m));
            for (int h = 0; h < Hidden; h++)
            {
                result[b * Hidden + h] = (float)(mean[h] / norm);
            }
        }
        return result;
    }

    private static (double Real, double Padding) MaxAbsDiffByMask(float[] expected, float[] actual, TokenizedBatch batch)
    {
        double real = 0, padding = 0;
        for (int position = 0; position < batch.AttentionMask.Length; position++)
        {
            for (int h = 0; h < Hidden; h++)
            {
                double d = Math.Abs((double)expected[position * Hidden + h] - actual[position * Hidden + h]);
                if (batch.AttentionMask[position] == 1)
                {
                    real = Math.Max(real, d);
                }
                else
                {
                    padding = Math.Max(padding, d);
                }
            }
        }

        return (real, padding);
    }

    internal static double MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();
}
