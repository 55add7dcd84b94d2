using NotebookSupport.Hub;
using NotebookSupport.Models;

namespace NotebookSupport.Tests.Hub;

[Collection(BundledMiniLmCollection.Name)]
public sealed class BundledMiniLmTests(BundledMiniLmFixture fixture)
{
    [Fact]
    public void OnnxInitializersBecomeExactlyTheBertModelParameters()
    {
        var weights = BundledMiniLm.ReadStateDict();
        try
        {
            using var bert = new BertModel(BundledMiniLm.Config);
            var expected = bert.state_dict();
            Assert.Equal(expected.Keys.Order(), weights.Keys.Order());
            foreach (var (name, tensor) in expected)
            {
                Assert.Equal(tensor.shape, weights[name].shape);
            }
            // Linear weights come out as [out, in]: intermediate.dense maps 384 -> 1536.
            Assert.Equal([1536L, 384], weights["encoder.layer.5.intermediate.dense.weight"].shape);
        }
        finally
        {
            foreach (var t in weights.Values)
            {
                t.Dispose();
            }
        }
    }

    [Fact]
    public void CreateUsesThePublishedSettings()
    {
        var model = fixture.Model;
        Assert.Equal(256, model.MaxSeqLength);
        Assert.Equal(384, model.EmbeddingDimension);
        Assert.Equal(PoolingMode.Mean, model.Pooling.Mode);
        Assert.NotNull(model.Normalize);
        Assert.True(model.Transformer.Tokenizer.DoLowerCase);
        Assert.Equal(30522, model.Transformer.Tokenizer.VocabSize);
        Assert.Equal(["[CLS]", "hello", "world", "[SEP]"],
            model.Transformer.Tokenizer.ConvertIdsToTokens(model.Transformer.Tokenizer.Encode("HELLO world", 256)));
    }

    [Fact]
    public void SimilarSentencesAreCloserThanUnrelatedOnes()
    {
        var e = fixture.Model.Encode(["A man is eating food.", "A man is eating a piece of bread.", "The stock market fell sharply today."]);
        double Dot(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();
        Assert.True(Dot(e[0], e[1]) > 0.6);
        Assert.True(Dot(e[0], e[2]) < 0.2);
    }
}
