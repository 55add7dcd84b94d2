using System.Text.Json;
using NotebookSupport.Models;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Models;

public sealed class PoolingTests
{
    // Two sentences of three positions, two dimensions; the first has one padding position holding large values
    // that every mode must ignore.
    private static Tensor Tokens() => tensor(new float[] { 1, 2, 3, -4, 100, 100, -1, -2, -3, -5, -2, -1 }, [2, 3, 2]);
    private static Tensor Mask() => tensor(new long[] { 1, 1, 0, 1, 1, 1 }, [2, 3]);

    [Theory]
    [InlineData(PoolingMode.Cls, new float[] { 1, 2, -1, -2 })]
    [InlineData(PoolingMode.Max, new float[] { 3, 2, -1, -1 })]
    [InlineData(PoolingMode.Mean, new float[] { 2, -1, -2, -8f / 3 })]
    // sums (4, -2) / sqrt(2) and (-6, -8) / sqrt(3)
    [InlineData(PoolingMode.MeanSqrtLen, new float[] { 2.8284271f, -1.4142136f, -3.4641016f, -4.6188022f })]
    public void PoolsRealTokensOnly(PoolingMode mode, float[] expected)
    {
        using var pooling = new Pooling(2, mode);
        using var tokens = Tokens();
        using var mask = Mask();
        using var pooled = pooling.Forward(tokens, mask);
        Assert.Equal([2L, 2], pooled.shape);
        var actual = pooled.data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 1e-5f);
        }
    }

    [Fact]
    public void NormalizeScalesToUnitLength()
    {
        using var normalize = new Normalize();
        using var input = tensor(new float[] { 3, 4, 0, 0 }, [2, 2]);
        using var output = normalize.Forward(input);
        Assert.Equal(new float[] { 0.6f, 0.8f, 0, 0 }, output.data<float>().ToArray());
    }

    [Fact]
    public void ReadsAndWritesSentenceTransformersPoolingConfig()
    {
        // 1_Pooling/config.json of sentence-transformers/all-MiniLM-L6-v2.
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """
                {
                  "word_embedding_dimension": 384,
                  "pooling_mode_cls_token": false,
                  "pooling_mode_mean_tokens": true,
                  "pooling_mode_max_tokens": false,
                  "pooling_mode_mean_sqrt_len_tokens": false
                }
                """);
            using var pooling = Pooling.FromConfig(PoolingConfig.Load(path), path);
            Assert.Equal((384, PoolingMode.Mean), (pooling.WordEmbeddingDimension, pooling.Mode));

            using var json = JsonDocument.Parse(PoolingConfig.From(768, PoolingMode.Max).ToJson());
            var root = json.RootElement;
            Assert.Equal(768, root.GetProperty("word_embedding_dimension").GetInt32());
            Assert.True(root.GetProperty("pooling_mode_max_tokens").GetBoolean());
            foreach (var flag in new[] { "pooling_mode_cls_token", "pooling_mode_mean_tokens", "pooling_mode_mean_sqrt_len_tokens",
                                         "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken" })
            {
                Assert.False(root.GetProperty(flag).GetBoolean(), flag);
            }

            File.WriteAllText(path, """{ "word_embedding_dimension": 384, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true }""");
            var e = Assert.Throws<InvalidDataException>(() => PoolingConfig.Load(path).GetMode(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("found 2", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
