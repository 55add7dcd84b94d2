using System.Reflection;
using System.Text.Json;

namespace NotebookSupport.Tests.Tokenization;

/// <summary>One sentence of <c>Fixtures/hf_expected_ids.json</c> (see README.md for how it was made).</summary>
public sealed record HfExpectedCase(string Text, int MaxSeqLength, int[] Ids, string[] Tokens)
{
    public override string ToString() => JsonSerializer.Serialize(Text.Length > 60 ? Text[..60] + "…" : Text) + $" (max {MaxSeqLength})";
}

internal static class HfExpectedIds
{
    private static readonly Lazy<(string Sha, HfExpectedCase[] Cases)> _fixture = new(() =>
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("NotebookSupport.Tests.Tokenization.hf_expected_ids.json")
            ?? throw new InvalidOperationException("Embedded fixture hf_expected_ids.json is missing.");
        using JsonDocument doc = JsonDocument.Parse(stream);
        HfExpectedCase[] cases = doc.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new HfExpectedCase(
                c.GetProperty("text").GetString()!,
                c.GetProperty("max_seq_length").GetInt32(),
                c.GetProperty("ids").EnumerateArray().Select(i => i.GetInt32()).ToArray(),
                c.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToArray()))
            .ToArray();
        return (doc.RootElement.GetProperty("vocab_sha256").GetString()!, cases);
    });

    public static string VocabSha256 => _fixture.Value.Sha;

    public static IReadOnlyList<HfExpectedCase> Cases => _fixture.Value.Cases;

    public static TheoryData<HfExpectedCase> TheoryCases()
    {
        var data = new TheoryData<HfExpectedCase>();
        foreach (HfExpectedCase c in Cases)
        {
            data.Add(c);
        }

        return data;
    }
}
