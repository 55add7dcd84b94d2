using System.Runtime.CompilerServices;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Models;

/// <summary>
/// How the layers of one <see cref="BertModel"/> compute their matrix products; shared by all its layers so
/// switching <c>BertModel.Precision</c> switches them together.
/// </summary>
internal sealed class BertCompute
{
    private readonly object _cacheGate = new();
    private Dictionary<CacheKey, Tensor>? _castCache;
    private int _cacheUsers;

    public Precision Precision { get; set; } = Precision.Float32;

    public ScalarType MatmulType => Precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>x W^T + b in the matmul precision; the output stays in that precision (bf16 feeds the next matmul directly).</summary>
    public Tensor Linear(Tensor input, Linear layer)
    {
        using var x = input.to(MatmulType);
        using var w = Weights(layer, Part.Weight, () => layer.weight!.to(MatmulType));
        using var b = Weights(layer, Part.Bias, () => layer.bias!.to(MatmulType));
        return nn.functional.linear(x, w, b);
    }

    /// <summary>Several linear layers over the same input as one wider matrix product (query, key and value).</summary>
    public Tensor FusedLinear(Tensor input, Linear[] layers)
    {
        using var x = input.to(MatmulType);
        // Keyed by the first layer: the array is new on every call.
        using var w = Weights(layers[0], Part.FusedWeight, () => Fuse(layers.Select(l => l.weight!)));
        using var b = Weights(layers[0], Part.FusedBias, () => Fuse(layers.Select(l => l.bias!)));
        return nn.functional.linear(x, w, b);
    }

    /// <summary>
    /// Within the returned scope, the (cast, fused) weights are made once and reused: for inference, where the
    /// weights cannot change. Scopes may overlap (several <c>Encode</c> calls on several threads share one cache);
    /// the copies are freed when the last scope ends. Only threads in inference mode use the copies, so a training
    /// thread keeps differentiable weights that follow the optimizer's updates.
    /// </summary>
    public IDisposable CacheWeights()
    {
        lock (_cacheGate)
        {
            _castCache ??= new Dictionary<CacheKey, Tensor>();
            _cacheUsers++;
        }
        return new CacheScope(this);
    }

    private Tensor Fuse(IEnumerable<Tensor> parts)
    {
        using var joined = cat(parts.ToArray(), 0);
        return joined.to(MatmulType);
    }

    // Outside a cache scope every call makes fresh, differentiable copies; autograd carries the gradients of
    // the bf16 copies back to the float32 parameters.
    private Tensor Weights(Linear layer, Part part, Func<Tensor> make)
    {
        if (Volatile.Read(ref _castCache) is null || !is_inference_mode_enabled())
        {
            return make();
        }

        lock (_cacheGate)  // BatchWorkers and concurrent Encode calls run several batches at once
        {
            if (_castCache is null)
            {
                return make();
            }
            // Keyed by type as well: a Precision change between overlapping scopes must not hand out the other type.
            var key = new CacheKey(layer, part, MatmulType);
            if (!_castCache.TryGetValue(key, out var cached))
            {
                cached = make().DetachFromDisposeScope();
                _castCache[key] = cached;
            }
            return cached.alias();
        }
    }

    private void Release()
    {
        lock (_cacheGate)
        {
            if (--_cacheUsers > 0)
            {
                return;
            }

            foreach (var t in _castCache!.Values)
            {
                t.Dispose();
            }

            _castCache = null;
        }
    }

    private sealed class CacheScope(BertCompute owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release();
            }
        }
    }

    private enum Part { Weight, Bias, FusedWeight, FusedBias }

    // The same layer object, not an equal one.
    private readonly record struct CacheKey(Linear Layer, Part Part, ScalarType Type)
    {
        public bool Equals(CacheKey other) => ReferenceEquals(Layer, other.Layer) && Part == other.Part && Type == other.Type;

        public override int GetHashCode() => HashCode.Combine(RuntimeHelpers.GetHashCode(Layer), Part, Type);
    }
}
