using static TorchSharp.torch;

namespace NotebookSupport.Hub;

/// <summary>
/// Brings a checkpoint's weights to the dtype of the model they load into. <c>copy_</c> would convert anything,
/// integers included, without a word; here floating-point weights (F16, BF16, F64: checkpoints published in half
/// precision are common) are converted explicitly and reported, and weights of any other kind are refused.
/// </summary>
internal static class WeightDTypes
{
    /// <summary>
    /// Replaces each floating-point weight of <paramref name="weights"/> whose dtype differs from its parameter in
    /// <paramref name="own"/> by a converted copy (disposing the original), and reports the conversion once.
    /// Weights the model does not use (task heads, buffers) are left as they are.
    /// </summary>
    /// <exception cref="InvalidDataException">A parameter is stored as an integer or boolean tensor; the message names the file and the weight.</exception>
    public static void MatchModel(Dictionary<string, Tensor> weights, IReadOnlyDictionary<string, Tensor> own, string path, Action<string> report)
    {
        bool prefixed = weights.Keys.Any(k => k.StartsWith("bert.", StringComparison.Ordinal));
        var converted = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in weights.Keys.ToList())
        {
            if (ParameterName(key, prefixed) is not { } name || !own.TryGetValue(name, out var target))
            {
                continue;
            }
            var value = weights[key];
            if (value.dtype == target.dtype)
            {
                continue;
            }
            if (!value.is_floating_point() || !target.is_floating_point())
            {
                throw new InvalidDataException(
                    $"'{path}': weight '{key}' has dtype {value.dtype}; the model's parameter '{name}' is {target.dtype}, " +
                    "and only floating-point weights are converted.");
            }
            var description = $"{value.dtype} to {target.dtype}";
            converted[description] = converted.GetValueOrDefault(description) + 1;
            weights[key] = value.to_type(target.dtype);
            value.Dispose();
        }
        if (converted.Count > 0)
        {
            report($"'{path}': converted {string.Join(", ", converted.Select(c => $"{c.Value} weights from {c.Key}"))}, the model's dtype.");
        }
    }

    /// <summary>The parameter a checkpoint key loads into, under the renames <c>BertModel.LoadWeights</c> applies.</summary>
    private static string? ParameterName(string key, bool prefixed)
    {
        if (prefixed)
        {
            if (!key.StartsWith("bert.", StringComparison.Ordinal))
            {
                return null;
            }
            key = key["bert.".Length..];
        }
        if (key.EndsWith(".gamma", StringComparison.Ordinal))
        {
            return key[..^".gamma".Length] + ".weight";
        }
        return key.EndsWith(".beta", StringComparison.Ordinal) ? key[..^".beta".Length] + ".bias" : key;
    }
}
