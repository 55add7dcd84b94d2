using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Models;

/// <summary>
/// How the layers of one <see cref="BertModel"/> compute their matrix products; shared by all its layers so
/// switching <c>BertModel.Precision</c> switches them together.
/// </summary>
internal sealed class BertCompute
{
    private Dictionary<object, Tensor>? castCache;

    public Precision Precision { get; set; } = Precision.Float32;

    public ScalarType MatmulType => Precision == Precision.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;

    /// <summary>x W^T + b in the matmul precision; the output stays in that precision (bf16 feeds the next matmul directly).</summary>
    public Tensor Linear(Tensor input, Linear layer)
    {
        using var x = input.to(MatmulType);
        using var w = Weights(layer.weight!, () => layer.weight!.to(MatmulType));
        using var b = Weights(layer.bias!, () => layer.bias!.to(MatmulType));
        return nn.functional.linear(x, w, b);
    }

    /// <summary>Several linear layers over the same input as one wider matrix product (query, key and value).</summary>
    public Tensor FusedLinear(Tensor input, Linear[] layers)
    {
        using var x = input.to(MatmulType);
        using var w = Weights(layers, () => Fuse(layers.Select(l => l.weight!)));
        using var b = Weights(layers[0], () => Fuse(layers.Select(l => l.bias!)));
        return nn.functional.linear(x, w, b);
    }

    /// <summary>
    /// Within the returned scope, the (cast, fused) weights are made once and reused: for inference, where the
    /// weights cannot change. Training must not use it: the copies would hide the optimizer's updates.
    /// </summary>
    public IDisposable CacheWeights()
    {
        castCache = new Dictionary<object, Tensor>(ReferenceEqualityComparer.Instance);
        return new CacheScope(this);
    }

    private Tensor Fuse(IEnumerable<Tensor> parts)
    {
        using var joined = cat(parts.ToArray(), 0);
        return joined.to(MatmulType);
    }

    // Outside a cache scope every call makes fresh, differentiable copies; autograd carries the gradients of
    // the bf16 copies back to the float32 parameters.
    private Tensor Weights(object key, Func<Tensor> make)
    {
        var cache = castCache;
        if (cache is null) return make();
        lock (cache)  // BatchWorkers run several batches at once
        {
            if (!cache.TryGetValue(key, out var cached))
            {
                cached = make().DetachFromDisposeScope();
                cache[key] = cached;
            }
            return cached.alias();
        }
    }

    private sealed class CacheScope(BertCompute owner) : IDisposable
    {
        public void Dispose()
        {
            if (owner.castCache is null) return;
            foreach (var t in owner.castCache.Values) t.Dispose();
            owner.castCache = null;
        }
    }
}
