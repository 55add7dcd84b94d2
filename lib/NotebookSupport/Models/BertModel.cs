using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NotebookSupport.Models;

// The whole BERT encoder in one file, read top to bottom as in the paper:
// embeddings -> N x (self-attention, feed-forward) -> last hidden state.
// Field names are Hugging Face's (including their casing), because TorchSharp builds state_dict() keys
// from them: `encoder.layer.0.attention.self.query.weight` loads a real checkpoint without any renaming.

/// <summary>
/// BERT encoder (Devlin et al., 2019) in TorchSharp with Hugging Face <c>BertModel</c> parameter names.
/// <c>forward(input_ids, attention_mask, token_type_ids)</c>, all <c>int64 [B, L]</c>, returns the last hidden
/// state <c>[B, L, hidden_size]</c>. Dropout is active only in training mode.
/// </summary>
/// <remarks>
/// <code>
/// var bert = new BertModel(BertConfig.Load("config.json"));
/// bert.LoadWeights(stateDict, "model.safetensors");   // a Hugging Face state dict, checked against the config
/// var hidden = bert.call(inputIds, attentionMask, tokenTypeIds);   // [B, L, H]
/// </code>
/// </remarks>
public sealed class BertModel : Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly BertPooler pooler;
    private readonly BertCompute _compute = new();

    /// <summary>Creates a randomly initialised encoder, as Hugging Face does (normal(0, initializer_range), LayerNorm 1/0).</summary>
    public BertModel(BertConfig config) : base(nameof(BertModel))
    {
        config.Validate("BertConfig");
        Config = config;
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config, _compute);
        pooler = new BertPooler(config);
        RegisterComponents();
    }

    /// <summary>The configuration this encoder was built from.</summary>
    public BertConfig Config { get; }

    /// <summary>
    /// The number format of the matrix products (default <see cref="Models.Precision.Float32"/>). The parameters stay
    /// float32 either way; the output is float32 either way.
    /// </summary>
    public Precision Precision
    {
        get => _compute.Precision;
        set => _compute.Precision = value;
    }

    /// <summary>
    /// Casts (and fuses) the weights once for the lifetime of the returned scope instead of on every forward pass.
    /// For inference only: the weights must not change inside the scope.
    /// </summary>
    public IDisposable CacheWeightsForInference() => _compute.CacheWeights();

    /// <summary>
    /// When true (the default) and padding takes more than a tenth of a batch, the encoder carries only the real
    /// tokens between its attention steps, so its matrix products skip the padding: random batches of NLI pairs are
    /// about half padding. The output is the same at real tokens and zero at padding positions (which no pooling
    /// reads). False computes every position of the padded grid, as Hugging Face does.
    /// </summary>
    public bool SkipPadding { get; set; } = true;

    /// <summary>
    /// <see cref="SkipPadding"/> packs a batch when at most this share of its <c>[B, L]</c> grid is real tokens; above
    /// it, moving the rows costs more than the skipped padding saves.
    /// </summary>
    public const double SkipPaddingBelowDensity = 0.9;

    /// <summary>
    /// True when the encoder packs a batch whose <c>[B, L]</c> grid of <paramref name="gridTokens"/> positions holds
    /// <paramref name="realTokens"/> real tokens: <see cref="SkipPadding"/> is on and the share of real tokens is at
    /// most <see cref="SkipPaddingBelowDensity"/>.
    /// </summary>
    public bool SkipsPaddingOf(long realTokens, long gridTokens) => SkipPadding && realTokens <= SkipPaddingBelowDensity * gridTokens;

    /// <summary>The device the parameters live on.</summary>
    public Device Device => embeddings.Device;

    /// <summary>Runs the encoder.</summary>
    /// <param name="inputIds">Token ids <c>[B, L]</c>.</param>
    /// <param name="attentionMask">1 for real tokens, 0 for padding, <c>[B, L]</c>.</param>
    /// <param name="tokenTypeIds">Segment ids (0 for the first sentence) <c>[B, L]</c>.</param>
    /// <returns>The last hidden state <c>[B, L, hidden_size]</c> (zeros at padding positions when <see cref="SkipPadding"/> packed the batch).</returns>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor tokenTypeIds)
    {
        if (inputIds.shape[1] > Config.MaxPositionEmbeddings)
        {
            throw new ArgumentException(
                $"Sequence length {inputIds.shape[1]} exceeds max_position_embeddings {Config.MaxPositionEmbeddings}.",
                nameof(inputIds));
        }
        // The one place that decides how attention runs: while training with attention dropout it takes its own path
        // (BertSelfAttention.AttentionWithDropout), otherwise libtorch's fused kernel.
        using var layout = TokenLayout.For(attentionMask, this, fusedAttention: !(training && Config.AttentionProbsDropoutProb > 0));
        using var grid = embeddings.call(inputIds, tokenTypeIds);
        using var hidden = layout.Pack(grid);
        using var output = encoder.call(hidden, layout);
        return layout.Unpack(output);
    }

    /// <summary>BERT's pooler: <c>tanh(dense(hidden[:, 0]))</c>, <c>[B, H]</c>. Sentence embeddings use <see cref="Pooling"/> instead.</summary>
    public Tensor PoolerOutput(Tensor lastHiddenState) => pooler.call(lastHiddenState);

    /// <summary>
    /// Copies a Hugging Face <c>BertModel</c> state dict into this encoder after checking that every key and shape
    /// matches the config. Accepts checkpoints of task models (keys prefixed <c>bert.</c>, heads ignored) and the
    /// old <c>LayerNorm.gamma/beta</c> names.
    /// </summary>
    /// <param name="stateDict">Parameter name to tensor.</param>
    /// <param name="source">The file the weights came from, named in error messages.</param>
    /// <param name="strict">If false, a missing <c>pooler.*</c> keeps its random initialisation (as Hugging Face does).</param>
    /// <exception cref="InvalidDataException">A parameter is missing, unexpected or has the wrong shape.</exception>
    public void LoadWeights(IReadOnlyDictionary<string, Tensor> stateDict, string source, bool strict = true)
    {
        var renamed = NormalizeCheckpointKeys(stateDict);
        var own = state_dict();
        var missing = own.Keys.Where(k => !renamed.ContainsKey(k) && (strict || !k.StartsWith("pooler.", StringComparison.Ordinal))).ToList();
        var unexpected = renamed.Keys.Where(k => !own.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            throw new InvalidDataException(
                $"'{source}': the weights do not match a BERT model with this config " +
                $"(hidden_size {Config.HiddenSize}, {Config.NumHiddenLayers} layers). " +
                (missing.Count > 0 ? $"Missing: {string.Join(", ", missing.Take(8))}{More(missing)}. " : "") +
                (unexpected.Count > 0 ? $"Unexpected: {string.Join(", ", unexpected.Take(8))}{More(unexpected)}." : ""));
        }

        foreach (var (name, value) in renamed)
        {
            var target = own[name];
            if (!target.shape.SequenceEqual(value.shape))
            {
                throw new InvalidDataException(
                    $"'{source}': parameter '{name}' has shape [{string.Join(", ", value.shape)}] in the weights but " +
                    $"[{string.Join(", ", target.shape)}] in the config (hidden_size {Config.HiddenSize}, " +
                    $"intermediate_size {Config.IntermediateSize}, vocab_size {Config.VocabSize}, " +
                    $"max_position_embeddings {Config.MaxPositionEmbeddings}, type_vocab_size {Config.TypeVocabSize}).");
            }
        }
        using var noGrad = no_grad();
        foreach (var (name, value) in renamed)
        {
            own[name].copy_(value);
        }
    }

    private static string More(List<string> keys) => keys.Count > 8 ? $" and {keys.Count - 8} more" : "";

    private static Dictionary<string, Tensor> NormalizeCheckpointKeys(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        // Task checkpoints (BertForPreTraining, ...) nest the encoder under `bert.` next to their heads.
        bool prefixed = stateDict.Keys.Any(k => k.StartsWith("bert.", StringComparison.Ordinal));
        var result = new Dictionary<string, Tensor>();
        foreach (var (key, value) in stateDict)
        {
            var name = key;
            if (prefixed)
            {
                if (!name.StartsWith("bert.", StringComparison.Ordinal))
                {
                    continue;
                }

                name = name["bert.".Length..];
            }
            // Buffers, not parameters; newer transformers versions do not save them at all.
            if (name is "embeddings.position_ids" or "embeddings.token_type_ids")
            {
                continue;
            }
            // Checkpoints from the original TensorFlow conversion use gamma/beta for LayerNorm.
            if (name.EndsWith(".gamma", StringComparison.Ordinal))
            {
                name = name[..^".gamma".Length] + ".weight";
            }
            else if (name.EndsWith(".beta", StringComparison.Ordinal))
            {
                name = name[..^".beta".Length] + ".bias";
            }

            result[name] = value;
        }
        return result;
    }

    internal static Linear NewLinear(long inputSize, long outputSize, BertConfig config)
    {
        var linear = Linear(inputSize, outputSize);
        using var noGrad = no_grad();
        init.normal_(linear.weight!, 0, config.InitializerRange);
        init.zeros_(linear.bias!);
        return linear;
    }

    internal static Embedding NewEmbedding(long count, long dimension, BertConfig config, long? paddingIndex = null)
    {
        var embedding = Embedding(count, dimension, padding_idx: paddingIndex);
        using var noGrad = no_grad();
        init.normal_(embedding.weight!, 0, config.InitializerRange);
        if (paddingIndex is long pad)
        {
            embedding.weight![pad].zero_();
        }

        return embedding;
    }
}

/// <summary>word + position + token-type embeddings, then LayerNorm and dropout.</summary>
internal sealed class BertEmbeddings : Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly double _dropout;

    public BertEmbeddings(BertConfig config) : base(nameof(BertEmbeddings))
    {
        word_embeddings = BertModel.NewEmbedding(config.VocabSize, config.HiddenSize, config, config.PadTokenId);
        position_embeddings = BertModel.NewEmbedding(config.MaxPositionEmbeddings, config.HiddenSize, config);
        token_type_embeddings = BertModel.NewEmbedding(config.TypeVocabSize, config.HiddenSize, config);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _dropout = config.HiddenDropoutProb;
        RegisterComponents();
    }

    public Device Device => word_embeddings.weight!.device;

    public override Tensor forward(Tensor inputIds, Tensor tokenTypeIds)
    {
        using var length = inputIds.shape[1].ToScalar();
        using var positions = arange(length, dtype: ScalarType.Int64, device: inputIds.device);  // [L], broadcast over B
        using var words = word_embeddings.call(inputIds);
        using var types = token_type_embeddings.call(tokenTypeIds);
        using var place = position_embeddings.call(positions);
        using var sum = words + types + place;
        using var normed = LayerNorm.call(sum);
        return FastDropout.Apply(normed, _dropout, training);
    }
}

/// <summary>Multi-head scaled dot-product self-attention (libtorch's fused kernel).</summary>
internal sealed class BertSelfAttention : Module<Tensor, TokenLayout, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly int _heads;
    private readonly int _headSize;
    private readonly double _attentionDropout;
    private readonly BertCompute _compute;

    public BertSelfAttention(BertConfig config, BertCompute compute) : base(nameof(BertSelfAttention))
    {
        this._compute = compute;
        _heads = config.NumAttentionHeads;
        _headSize = config.HiddenSize / config.NumAttentionHeads;
        _attentionDropout = config.AttentionProbsDropoutProb;
        query = BertModel.NewLinear(config.HiddenSize, config.HiddenSize, config);
        key = BertModel.NewLinear(config.HiddenSize, config.HiddenSize, config);
        value = BertModel.NewLinear(config.HiddenSize, config.HiddenSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, TokenLayout layout)
    {
        long batch = layout.Batch, length = layout.Length;
        // One matrix product for query, key and value on the rows the layout carries, then the [B, L, 3H] grid
        // -> 3 x [B, heads, L, d].
        using var qkvRows = _compute.FusedLinear(hidden, [query, key, value]);
        using var qkv = layout.Unpack(qkvRows);
        using var heads5 = qkv.view(batch, length, 3, _heads, _headSize).permute(2, 0, 3, 1, 4);
        using var q = heads5[0];
        using var k = layout.PadKeys(heads5[1]);
        using var v = layout.PadKeys(heads5[2]);
        // softmax(q k^T / sqrt(d) + mask) v, with dropout on the attention probabilities while training.
        using var context = layout.FusedAttention
            ? functional.scaled_dot_product_attention(q, k, v, layout.KeyMask)
            : AttentionWithDropout(q, k, v, layout.KeyMask, _attentionDropout);
        using var merged = context.transpose(1, 2);
        using var grid = merged.reshape(batch, length, _heads * _headSize);  // [B, L, H]
        return layout.Pack(grid);
    }

    /// <summary>
    /// What libtorch's attention does with dropout on the CPU (its fused kernels have none): the probabilities
    /// materialised, all in float32 as its math path computes bfloat16 inputs, with <see cref="FastDropout"/> instead
    /// of libtorch's far slower mask drawing. Returns the inputs' number format.
    /// </summary>
    internal static Tensor AttentionWithDropout(Tensor q, Tensor k, Tensor v, Tensor? keyMask, double p)
    {
        using var scope = NewDisposeScope();
        using var scale = (1.0 / Math.Sqrt(q.shape[^1])).ToScalar();
        var scores = matmul(q.to(ScalarType.Float32), k.to(ScalarType.Float32).transpose(-2, -1)).mul_(scale);
        if (keyMask is not null)
        {
            using var minusInfinity = float.NegativeInfinity.ToScalar();
            scores = scores.masked_fill(keyMask.logical_not(), minusInfinity);
        }

        var probabilities = FastDropout.Apply(scores.softmax(-1), p, training: true);
        return matmul(probabilities, v.to(ScalarType.Float32)).to(v.dtype).MoveToOuterDisposeScope();
    }
}

internal sealed class BertAttention : Module<Tensor, TokenLayout, Tensor>
{
    private readonly BertSelfAttention self;
    private readonly BertOutput output;

    public BertAttention(BertConfig config, BertCompute compute) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(config, compute);
        output = new BertOutput(config.HiddenSize, config, compute);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, TokenLayout layout)
    {
        using var attended = self.call(hidden, layout);
        return output.call(attended, hidden);
    }
}

/// <summary>First half of the feed-forward block: widen to intermediate_size and apply the activation.</summary>
internal sealed class BertIntermediate : Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly string _activation;
    private readonly BertCompute _compute;

    public BertIntermediate(BertConfig config, BertCompute compute) : base(nameof(BertIntermediate))
    {
        this._compute = compute;
        dense = BertModel.NewLinear(config.HiddenSize, config.IntermediateSize, config);
        _activation = config.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var widened = _compute.Linear(hidden, dense);
        return _activation switch
        {
            // Without autograd the activation can overwrite its input: one large allocation less per layer.
            "gelu" => widened.requires_grad ? functional.gelu(widened) : widened.gelu_().alias(),
            "gelu_new" => functional.gelu(widened, TorchSharp.Modules.GELU.Approximate.tanh),
            "relu" => functional.relu(widened),
            _ => throw new InvalidOperationException($"Unsupported hidden_act '{_activation}'."),
        };
    }
}

/// <summary>
/// Projection back to hidden_size, dropout, residual connection and LayerNorm: closes both the attention block
/// (Hugging Face's <c>BertSelfOutput</c>, from hidden_size) and the feed-forward block (<c>BertOutput</c>, from
/// intermediate_size). The two differ only in their input width, and their parameter names are the same.
/// </summary>
internal sealed class BertOutput : Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly double _dropout;
    private readonly BertCompute _compute;

    public BertOutput(int inputSize, BertConfig config, BertCompute compute) : base(nameof(BertOutput))
    {
        this._compute = compute;
        dense = BertModel.NewLinear(inputSize, config.HiddenSize, config);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        _dropout = config.HiddenDropoutProb;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input, Tensor residual)
    {
        using var projected = _compute.Linear(input, dense);
        using var dropped = FastDropout.Apply(projected, _dropout, training);
        // float32 + bf16 promotes to float32: the residual stream and LayerNorm stay at full precision.
        using var sum = dropped + residual;
        return LayerNorm.call(sum);
    }
}

/// <summary>One transformer block: self-attention, then feed-forward.</summary>
internal sealed class BertLayer : Module<Tensor, TokenLayout, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertOutput output;

    public BertLayer(BertConfig config, BertCompute compute) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config, compute);
        intermediate = new BertIntermediate(config, compute);
        output = new BertOutput(config.IntermediateSize, config, compute);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, TokenLayout layout)
    {
        using var attended = attention.call(hidden, layout);
        using var widened = intermediate.call(attended);
        return output.call(widened, attended);
    }
}

internal sealed class BertEncoder : Module<Tensor, TokenLayout, Tensor>
{
    private readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig config, BertCompute compute) : base(nameof(BertEncoder))
    {
        layer = ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config, compute)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, TokenLayout layout)
    {
        var x = hidden.alias();
        foreach (var block in layer)
        {
            var next = block.call(x, layout);
            x.Dispose();
            x = next;
        }
        return x;
    }
}

/// <summary>tanh(dense(first token)): BERT's next-sentence-prediction pooler, kept so checkpoints round-trip.</summary>
internal sealed class BertPooler : Module<Tensor, Tensor>
{
    private readonly Linear dense;

    public BertPooler(BertConfig config) : base(nameof(BertPooler))
    {
        dense = BertModel.NewLinear(config.HiddenSize, config.HiddenSize, config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var first = hidden.select(1, 0);
        using var projected = dense.call(first);
        return projected.tanh();
    }
}
