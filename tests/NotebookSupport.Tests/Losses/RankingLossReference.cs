namespace NotebookSupport.Tests.Losses;

/// <summary>
/// Multiple Negatives Ranking loss and its analytic gradients written out on plain double arrays, independent of
/// TorchSharp: s_ij = scale * sim(a_i, c_j), loss = mean_i (logsumexp_j s_ij - s_ii), dL/ds_ij = (softmax_ij - [i == j]) / B.
/// </summary>
internal static class RankingLossReference
{
    public sealed record Result(double Loss, double[][] AnchorGradients, double[][] CandidateGradients);

    /// <summary>The forward loss (anchor -> candidates) and, if <paramref name="symmetric"/>, the mean with the backward one.</summary>
    public static Result Compute(double[][] anchors, double[][] candidates, double scale, bool cosine, bool symmetric = false)
    {
        int b = anchors.Length, c = candidates.Length;
        var s = new double[b, c];
        for (var i = 0; i < b; i++)
        {
            for (var j = 0; j < c; j++)
            {
                s[i, j] = scale * Sim(anchors[i], candidates[j], cosine);
            }
        }
        var dS = new double[b, c];
        var loss = 0.0;
        var weight = symmetric ? 0.5 : 1.0;
        for (var i = 0; i < b; i++)
        {
            var max = Enumerable.Range(0, c).Max(j => s[i, j]);
            var sum = Enumerable.Range(0, c).Sum(j => Math.Exp(s[i, j] - max));
            loss += weight * (max + Math.Log(sum) - s[i, i]) / b;
            for (var j = 0; j < c; j++)
            {
                dS[i, j] += weight * (Math.Exp(s[i, j] - max) / sum - (i == j ? 1 : 0)) / b;
            }
        }
        if (symmetric)
        {
            // Column j of the anchor-positive block picks its anchor among all anchors.
            for (var j = 0; j < b; j++)
            {
                var max = Enumerable.Range(0, b).Max(i => s[i, j]);
                var sum = Enumerable.Range(0, b).Sum(i => Math.Exp(s[i, j] - max));
                loss += 0.5 * (max + Math.Log(sum) - s[j, j]) / b;
                for (var i = 0; i < b; i++)
                {
                    dS[i, j] += 0.5 * (Math.Exp(s[i, j] - max) / sum - (i == j ? 1 : 0)) / b;
                }
            }
        }
        var gA = anchors.Select(a => new double[a.Length]).ToArray();
        var gC = candidates.Select(x => new double[x.Length]).ToArray();
        for (var i = 0; i < b; i++)
        {
            for (var j = 0; j < c; j++)
            {
                var (da, dc) = SimGradients(anchors[i], candidates[j], cosine);
                for (var k = 0; k < da.Length; k++)
                {
                    gA[i][k] += dS[i, j] * scale * da[k];
                    gC[j][k] += dS[i, j] * scale * dc[k];
                }
            }
        }
        return new Result(loss, gA, gC);
    }

    private static double Dot(double[] x, double[] y) => x.Zip(y, (p, q) => p * q).Sum();

    private static double Sim(double[] a, double[] c, bool cosine) =>
        cosine ? Dot(a, c) / Math.Sqrt(Dot(a, a) * Dot(c, c)) : Dot(a, c);

    private static (double[] DA, double[] DC) SimGradients(double[] a, double[] c, bool cosine)
    {
        if (!cosine)
        {
            return (c.ToArray(), a.ToArray());
        }
        double na = Math.Sqrt(Dot(a, a)), nc = Math.Sqrt(Dot(c, c)), cos = Dot(a, c) / (na * nc);
        // d cos / da = c / (|a||c|) - cos * a / |a|^2, and symmetrically for c.
        var da = a.Select((_, k) => c[k] / (na * nc) - cos * a[k] / (na * na)).ToArray();
        var dc = c.Select((_, k) => a[k] / (na * nc) - cos * c[k] / (nc * nc)).ToArray();
        return (da, dc);
    }
}
