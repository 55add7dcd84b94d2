using NotebookSupport.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Models;

public sealed class BertModelTests
{
    private static readonly BertConfig _tiny = new()
    {
        VocabSize = 100,
        HiddenSize = 8,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        IntermediateSize = 16,
        MaxPositionEmbeddings = 16,
        TypeVocabSize = 2,
    };

    [Fact]
    public void StateDictKeysAreHuggingFaceBertModelKeys()
    {
        // transformers' BertModel naming, written out from modeling_bert.py (BertEmbeddings, BertLayer, BertPooler).
        var expected = new List<string>
        {
            "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
            "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
        };
        for (int i = 0; i < 2; i++)
        {
            foreach (var p in new[]
                     {
                         "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                         "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm",
                     })
            {
                expected.AddRange([$"encoder.layer.{i}.{p}.weight", $"encoder.layer.{i}.{p}.bias"]);
            }
        }

        expected.AddRange(["pooler.dense.weight", "pooler.dense.bias"]);

        using var bert = new BertModel(_tiny);
        var stateDict = bert.state_dict();
        Assert.Equal(expected, stateDict.Keys);
        Assert.Equal([100L, 8], stateDict["embeddings.word_embeddings.weight"].shape);
        Assert.Equal([16L, 8], stateDict["embeddings.position_embeddings.weight"].shape);
        Assert.Equal([16L, 8], stateDict["encoder.layer.1.intermediate.dense.weight"].shape);  // [out, in] as nn.Linear
        Assert.Equal([8L, 16], stateDict["encoder.layer.1.output.dense.weight"].shape);
    }

    [Fact]
    public void RandomInitialisationFollowsHuggingFace()
    {
        using var bert = new BertModel(_tiny with { VocabSize = 4000, HiddenSize = 64, NumAttentionHeads = 4, PadTokenId = 3 });
        var sd = bert.state_dict();
        var words = sd["embeddings.word_embeddings.weight"];
        Assert.InRange(words.std().item<float>(), 0.019, 0.021);
        Assert.InRange(sd["encoder.layer.0.attention.self.query.weight"].std().item<float>(), 0.018, 0.022);
        Assert.Equal(0f, words[3].abs().sum().item<float>());  // padding row
        Assert.Equal(0f, sd["encoder.layer.0.attention.self.query.bias"].abs().sum().item<float>());
        Assert.True(sd["embeddings.LayerNorm.weight"].eq(1).all().item<bool>());
        Assert.Equal(0f, sd["encoder.layer.1.output.LayerNorm.bias"].abs().sum().item<float>());
    }

    [Fact]
    public void PaddingDoesNotChangeRealTokensAndTokenTypesMatter()
    {
        // Large weights, so that attending to padding or changing segments moves the outputs far beyond rounding.
        manual_seed(7);
        using var bert = new BertModel(_tiny with { InitializerRange = 0.5 });
        bert.eval();
        using var _ = no_grad();
        using var ids = tensor(new long[] { 2, 17, 42, 3 }, [1, 4]);
        using var fullMask = ones(1, 4, dtype: ScalarType.Int64);
        using var types = zeros(1, 4, dtype: ScalarType.Int64);
        using var alone = bert.call(ids, fullMask, types);

        // Same sentence followed by three padding positions holding arbitrary ids.
        using var paddedIds = tensor(new long[] { 2, 17, 42, 3, 55, 66, 77 }, [1, 7]);
        using var mask = tensor(new long[] { 1, 1, 1, 1, 0, 0, 0 }, [1, 7]);
        using var paddedTypes = zeros(1, 7, dtype: ScalarType.Int64);
        using var padded = bert.call(paddedIds, mask, paddedTypes);
        Assert.True(padded[.., ..4].allclose(alone, rtol: 0, atol: 1e-6));

        // Without the mask, the padding would leak into the real tokens.
        using var allOnes = ones(1, 7, dtype: ScalarType.Int64);
        using var leaked = bert.call(paddedIds, allOnes, paddedTypes);
        Assert.False(leaked[.., ..4].allclose(alone, rtol: 0, atol: 1e-2));

        using var secondSegment = tensor(new long[] { 0, 0, 1, 1 }, [1, 4]);
        using var withTypes = bert.call(ids, fullMask, secondSegment);
        Assert.False(withTypes.allclose(alone, rtol: 0, atol: 1e-2));
    }

    [Fact]
    public void DropoutOnlyInTrainingMode()
    {
        using var bert = new BertModel(_tiny);
        using var ids = tensor(new long[] { 2, 17, 42, 3, 9, 11 }, [2, 3]);
        using var mask = ones(2, 3, dtype: ScalarType.Int64);
        using var types = zeros(2, 3, dtype: ScalarType.Int64);
        bert.train();
        using var a = bert.call(ids, mask, types);
        using var b = bert.call(ids, mask, types);
        Assert.False(a.allclose(b, rtol: 0, atol: 1e-4));
        bert.eval();
        using var c = bert.call(ids, mask, types);
        using var d = bert.call(ids, mask, types);
        Assert.True(c.allclose(d, rtol: 0, atol: 0));

        using var noDropout = new BertModel(_tiny with { HiddenDropoutProb = 0, AttentionProbsDropoutProb = 0 });
        noDropout.train();
        using var e = noDropout.call(ids, mask, types);
        noDropout.eval();
        using var f = noDropout.call(ids, mask, types);
        Assert.True(e.allclose(f, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void LoadWeightsRoundTripsAndAcceptsTaskCheckpointNames()
    {
        using var source = new BertModel(_tiny);
        using var target = new BertModel(_tiny);
        // A BertForPreTraining-style checkpoint: `bert.` prefix, gamma/beta LayerNorm names, a head to ignore.
        var checkpoint = source.state_dict().ToDictionary(
            kv => "bert." + kv.Key.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta"),
            kv => kv.Value);
        checkpoint["cls.predictions.bias"] = zeros(100);
        checkpoint["bert.embeddings.position_ids"] = arange(16).unsqueeze(0);
        target.LoadWeights(checkpoint, "pytorch_model.bin");
        foreach (var (name, value) in source.state_dict())
        {
            Assert.True(value.allclose(target.state_dict()[name], rtol: 0, atol: 0), name);
        }
    }

    [Fact]
    public void WeightsOfAnotherShapeGiveAClearError()
    {
        using var source = new BertModel(_tiny);
        using var wider = new BertModel(_tiny with { IntermediateSize = 32 });
        var e = Assert.Throws<InvalidDataException>(() => wider.LoadWeights(source.state_dict(), "model.safetensors"));
        Assert.Contains("'model.safetensors'", e.Message);
        Assert.Contains("encoder.layer.0.intermediate.dense.weight", e.Message);
        Assert.Contains("[16, 8]", e.Message);
        Assert.Contains("[32, 8]", e.Message);

        using var deeper = new BertModel(_tiny with { NumHiddenLayers = 3 });
        e = Assert.Throws<InvalidDataException>(() => deeper.LoadWeights(source.state_dict(), "model.safetensors"));
        Assert.Contains("Missing: encoder.layer.2.attention.self.query.weight", e.Message);

        var withoutPooler = source.state_dict().Where(kv => !kv.Key.StartsWith("pooler.")).ToDictionary();
        Assert.Throws<InvalidDataException>(() => wider.LoadWeights(withoutPooler, "x"));
        using var lenient = new BertModel(_tiny);
        lenient.LoadWeights(withoutPooler, "x", strict: false);
    }

    [Fact]
    public void BundledWeightsIntoAMismatchedConfigFailClearly()
    {
        var weights = NotebookSupport.Hub.BundledMiniLm.ReadStateDict();
        try
        {
            using var bert = new BertModel(NotebookSupport.Hub.BundledMiniLm.Config with { NumHiddenLayers = 4 });
            var e = Assert.Throws<InvalidDataException>(() => bert.LoadWeights(weights, "bundled"));
            Assert.Contains("Unexpected: encoder.layer.4.", e.Message);
        }
        finally
        {
            foreach (var t in weights.Values)
            {
                t.Dispose();
            }
        }
    }
}
