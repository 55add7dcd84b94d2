using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Models;

public sealed class SentenceTransformerTests : IDisposable
{
    private static readonly string[] _sentences =
    [
        "Short.",
        "A considerably longer sentence about a man who is playing a guitar on the street.",
        "",
        "Medium length sentence here.",
        "Two words",
        "The longest sentence of them all, which goes on and on about nothing in particular, just to need padding.",
        "x",
    ];

    private readonly SentenceTransformer _model;

    public SentenceTransformerTests()
    {
        // A small random BERT with the real uncased vocabulary: fast, and still exercises every code path.
        var config = BundledMiniLm.Config with
        {
            HiddenSize = 16,
            NumHiddenLayers = 2,
            NumAttentionHeads = 2,
            IntermediateSize = 32,
            MaxPositionEmbeddings = 64,
        };
        using var vocab = BundledMiniLm.OpenVocab();
        var tokenizer = BertWordPieceTokenizer.FromVocabStream(vocab, "vocab.txt");
        _model = new SentenceTransformer(new Transformer(new BertModel(config), tokenizer, maxSeqLength: 64),
            new Pooling(16, PoolingMode.Mean));
    }

    public void Dispose() => _model.Dispose();

    [Fact]
    public void EncodeReturnsEmbeddingsInInputOrder()
    {
        var batched = _model.Encode(_sentences, batchSize: 3);
        Assert.Equal(_sentences.Length, batched.Length);
        for (int i = 0; i < _sentences.Length; i++)
        {
            var alone = _model.Encode([_sentences[i]])[0];
            Assert.Equal(16, alone.Length);
            Assert.True(alone.Zip(batched[i], (a, b) => Math.Abs(a - b)).Max() <= 1e-5, $"sentence {i}");
        }
        // The sentences are far apart, so a wrong order could not pass the comparison above.
        Assert.True(batched[0].Zip(batched[1], (a, b) => Math.Abs(a - b)).Max() > 1e-2);
    }

    [Fact]
    public void EncodeTruncateDimKeepsTheFirstDimensionsThenNormalises()
    {
        var full = _model.Encode(_sentences, batchSize: 3);
        var truncated = _model.Encode(_sentences, batchSize: 3, truncateDim: 5);
        var normalised = _model.Encode(_sentences, batchSize: 3, normalizeEmbeddings: true, truncateDim: 5);
        using var tensorForm = _model.EncodeToTensor(_sentences, truncateDim: 5);
        Assert.Equal([_sentences.Length, 5], tensorForm.shape);
        for (int i = 0; i < _sentences.Length; i++)
        {
            var sliced = full[i][..5];
            var norm = Math.Sqrt(sliced.Sum(x => (double)x * x));
            Assert.Equal(sliced, truncated[i]);
            Assert.True(sliced.Zip(normalised[i], (x, y) => Math.Abs(x / norm - y)).Max() <= 1e-6, $"sentence {i}");
        }
        Assert.Equal("truncateDim", Assert.Throws<ArgumentOutOfRangeException>(() => _model.Encode(_sentences, truncateDim: 17)).ParamName);
        Assert.Equal("truncateDim", Assert.Throws<ArgumentOutOfRangeException>(() => _model.Encode(_sentences, truncateDim: 0)).ParamName);
    }

    [Fact]
    public void EvaluatorAtADimensionCorrelatesTheTruncatedEmbeddings()
    {
        string[] first = ["A man is eating.", "A dog runs.", "It rains today.", "Two words"];
        string[] second = ["A man eats food.", "The stock fell.", "The weather is wet.", "x"];
        double[] gold = [4.5, 0.2, 3.9, 1.0];
        var evaluator = new NotebookSupport.Evaluation.EmbeddingSimilarityEvaluator(first, second, gold, "tiny", truncateDim: 6);
        var a = _model.Encode(first, truncateDim: 6);
        var b = _model.Encode(second, truncateDim: 6);
        var cosine = NotebookSupport.Util.Similarity.PairwiseCosSim(a, b);

        var result = evaluator.Evaluate(_model);

        Assert.Equal(6, evaluator.TruncateDim);
        Assert.Equal(100 * NotebookSupport.Evaluation.EmbeddingSimilarityEvaluator.Spearman(cosine, gold), result.SpearmanCosine, 9);
        Assert.Equal(100 * NotebookSupport.Evaluation.EmbeddingSimilarityEvaluator.Pearson(cosine, gold), result.PearsonCosine, 9);
    }

    [Fact]
    public void EncodeHasNoGradientsNoDropoutAndRestoresTheMode()
    {
        _model.train();
        var progress = new List<EncodeProgress>();
        using var first = _model.EncodeToTensor(_sentences, batchSize: 4, progress: new SynchronousProgress(progress));
        using var second = _model.EncodeToTensor(_sentences, batchSize: 4);
        Assert.False(first.requires_grad);
        Assert.True(first.allclose(second, rtol: 0, atol: 0));  // dropout was off
        Assert.True(_model.training);
        Assert.All(_model.parameters(), p => Assert.Null(p.grad));
        // Two batches (4 and 3 sentences), in whichever order the batch workers finish them.
        Assert.Equal(2, progress.Count);
        Assert.Contains(progress[0].Done, new[] { 3, 4 });
        Assert.Equal(new EncodeProgress(7, 7), progress[1]);

        _model.eval();
        _model.Encode(_sentences);
        Assert.False(_model.training);
    }

    [Fact]
    public void BatchWorkersGiveTheSameEmbeddingsAsOneBatchAtATime()
    {
        _model.EncodeWorkers = 1;
        var progress = new List<EncodeProgress>();
        var alone = _model.Encode(_sentences, batchSize: 2, progress: new SynchronousProgress(progress));
        Assert.Equal([2, 4, 6, 7], progress.Select(p => p.Done));
        _model.EncodeWorkers = 2;
        var together = _model.Encode(_sentences, batchSize: 2);
        _model.EncodeWorkers = null;
        for (int i = 0; i < _sentences.Length; i++)
        {
            Assert.True(alone[i].Zip(together[i], (a, b) => Math.Abs(a - b)).Max() <= 1e-5, $"sentence {i}");
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => _model.EncodeWorkers = 0);
    }

    [Fact]
    public void ANullSentenceIsNamedByItsIndex()
    {
        var error = Assert.Throws<ArgumentException>(() => _model.Encode(["fine", null!, "fine too"]));
        Assert.Equal("sentences", error.ParamName);
        Assert.StartsWith("sentences[1] is null; expected a string.", error.Message);
        var batchError = Assert.Throws<ArgumentException>(() => _model.Tokenize(["fine", null!]));
        Assert.Equal("texts", batchError.ParamName);
        Assert.StartsWith("texts[1] is null; expected a string.", batchError.Message);
    }

    [Fact]
    public void ForwardKeepsTheGraphForLosses()
    {
        _model.train();
        using var scope = NewDisposeScope();
        var embeddings = _model.Forward(["A man is eating.", "A woman plays."]);
        Assert.Equal([2L, 16], embeddings.shape);
        Assert.True(embeddings.requires_grad);
        embeddings.sum().backward();
        Assert.NotNull(_model.Transformer.AutoModel.state_dict()["embeddings.word_embeddings.weight"].grad);
        _model.zero_grad();
    }

    [Fact]
    public void NormalizedEmbeddingsHaveUnitLength()
    {
        foreach (var embedding in _model.Encode(_sentences, normalizeEmbeddings: true))
        {
            Assert.Equal(1.0, Math.Sqrt(embedding.Sum(x => (double)x * x)), 5);
        }
    }

    [Fact]
    public void ParametersAreNamedAsInSentenceTransformers()
    {
        var keys = _model.state_dict().Keys.ToList();
        Assert.Contains("0.auto_model.embeddings.word_embeddings.weight", keys);
        Assert.Contains("0.auto_model.encoder.layer.1.output.LayerNorm.bias", keys);
        Assert.All(keys, k => Assert.StartsWith("0.auto_model.", k));
    }

    [Fact]
    public void MaxSeqLengthTruncatesAndIsChecked()
    {
        _model.MaxSeqLength = 5;
        Assert.Equal(5, _model.Tokenize([_sentences[1]]).SequenceLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => _model.MaxSeqLength = 65);
        Assert.Throws<ArgumentException>(() => new SentenceTransformer(_model.Transformer, new Pooling(32)));
    }

    private sealed class SynchronousProgress(List<EncodeProgress> reports) : IProgress<EncodeProgress>
    {
        public void Report(EncodeProgress value) => reports.Add(value);
    }
}
