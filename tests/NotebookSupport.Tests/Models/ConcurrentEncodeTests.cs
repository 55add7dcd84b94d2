using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Tests.Training;
using NotebookSupport.Tokenization;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Models;

/// <summary>
/// <see cref="SentenceTransformer.Encode"/> called from several threads on one model: the same embeddings as calls on
/// their own, no exception, the model's mode restored, and no tensor left alive.
/// </summary>
[Collection(RunsAlone.Name)]  // counts the process's live tensors
public sealed class ConcurrentEncodeTests
{
    private const int Threads = 4;
    private const int CallsPerThread = 50;

    // Lengths from 1 to ~30 tokens, so batches are padded and the encoder packs some of them.
    private static readonly string[] _sentences =
    [
        "A man is eating food.",
        "x",
        "A considerably longer sentence about a man who is playing a guitar on the street at night.",
        "Two words",
        "The longest sentence of them all, which goes on and on about nothing in particular, just to need padding.",
        "",
        "A woman is slicing an onion.",
        "Children play in the park while their parents watch from a bench.",
        "Dogs bark.",
    ];

    [Theory]
    [InlineData(Precision.Float32, 1)]
    [InlineData(Precision.Float32, 2)]
    [InlineData(Precision.BFloat16, 2)]
    public void FourThreadsOfFiftyCallsGiveTheEmbeddingsOfSingleCalls(Precision precision, int encodeWorkers)
    {
        using var model = Model();
        model.Precision = precision;
        model.EncodeWorkers = encodeWorkers;
        // Training mode with dropout: a call that restored it while another ran would change that one's embeddings.
        model.train();
        // Each thread encodes its own rotation of the sentences, in batches of 2, so batches differ between threads.
        var inputs = Enumerable.Range(0, Threads).Select(t => _sentences.Skip(t).Concat(_sentences.Take(t)).ToArray()).ToArray();
        var expected = inputs.Select(input => model.Encode(input, batchSize: 2)).ToArray();
        Assert.True(model.training);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long tensorsBefore = Tensor.TotalCount;
        var failures = new List<string>();
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                for (int call = 0; call < CallsPerThread; call++)
                {
                    var actual = model.Encode(inputs[t], batchSize: 2);
                    var difference = MaxDifference(expected[t], actual);
                    // Each batch is computed alike in both runs (same rows, one intra-op thread per worker), so the
                    // only tolerance is for libtorch's choice of kernel; dropout would differ by far more.
                    if (difference > 1e-6)
                    {
                        lock (failures)
                        {
                            failures.Add($"thread {t}, call {call}: embeddings differ by {difference}");
                        }
                    }
                }
            }
            catch (Exception e)
            {
                lock (failures)
                {
                    failures.Add($"thread {t}: {e.GetType().Name}: {e.Message}");
                }
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Empty(failures);
        Assert.True(model.training, "the model's training mode was not restored");
        Assert.Equal(tensorsBefore, Tensor.TotalCount);
    }

    [Fact]
    public void OverlappingWeightCachesShareOneCopyAndFreeItWithTheLast()
    {
        using var model = Model();
        var bert = model.Transformer.AutoModel;
        var expected = model.Encode(_sentences);
        long tensorsBefore = Tensor.TotalCount;
        var first = bert.CacheWeightsForInference();
        var second = bert.CacheWeightsForInference();
        Assert.Equal(expected, model.Encode(_sentences));
        long cached = Tensor.TotalCount - tensorsBefore;
        Assert.True(cached > 0, "Encode inside the scopes cached no weights");
        first.Dispose();
        first.Dispose();  // a second Dispose of one scope must not end the other
        Assert.Equal(expected, model.Encode(_sentences));
        Assert.Equal(tensorsBefore + cached, Tensor.TotalCount);
        second.Dispose();
        Assert.Equal(tensorsBefore, Tensor.TotalCount);
    }

    [Fact]
    public void ATrainingThreadDoesNotUseTheCopiesCachedForInference()
    {
        using var model = Model();
        model.train();
        using var cache = model.Transformer.AutoModel.CacheWeightsForInference();
        model.Encode(_sentences);  // fills the cache
        using var embeddings = model.Forward(_sentences);
        using var loss = embeddings.sum();
        loss.backward();
        var query = model.named_parameters().Single(p => p.name.EndsWith("layer.0.attention.self.query.weight", StringComparison.Ordinal)).parameter;
        Assert.NotNull(query.grad);
        using var gradNorm = query.grad!.norm();
        Assert.True(gradNorm.item<float>() > 0, "no gradient reached the query weights through the forward pass");
    }

    private static SentenceTransformer Model()
    {
        manual_seed(7);
        var config = BundledMiniLm.Config with
        {
            HiddenSize = 32,
            NumHiddenLayers = 2,
            NumAttentionHeads = 2,
            IntermediateSize = 64,
            MaxPositionEmbeddings = 64,
        };
        using var vocab = BundledMiniLm.OpenVocab();
        var tokenizer = BertWordPieceTokenizer.FromVocabStream(vocab, "vocab.txt");
        return new SentenceTransformer(new Transformer(new BertModel(config), tokenizer, maxSeqLength: 64),
            new Pooling(32, PoolingMode.Mean), new Normalize());
    }

    private static double MaxDifference(float[][] expected, float[][] actual)
    {
        if (expected.Length != actual.Length)
        {
            return double.PositiveInfinity;
        }

        return expected.Zip(actual, (e, a) => e.Zip(a, (x, y) => (double)Math.Abs(x - y)).Max()).Max();
    }
}
