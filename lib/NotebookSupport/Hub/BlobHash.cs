using System.Security.Cryptography;
using System.Text;

namespace NotebookSupport.Hub;

/// <summary>
/// The content hash a hub ETag stands for. The hub names a large (LFS) file by the SHA-256 of its content
/// (<c>X-Linked-Etag</c>, 64 hex digits) and a small file by its git blob id, the SHA-1 of
/// <c>"blob {length}\0"</c> followed by the content (<c>ETag</c>, 40 hex digits). Any other ETag is no hash we can check.
/// </summary>
internal sealed record BlobHash(string Algorithm, string Expected)
{
    /// <summary>The hash <paramref name="etag"/> names, or null when it is not a SHA-256 or git blob id.</summary>
    public static BlobHash? FromEtag(string etag) => etag switch
    {
        { Length: 64 } when IsLowerHex(etag) => new BlobHash("SHA-256", etag),
        { Length: 40 } when IsLowerHex(etag) => new BlobHash("git blob SHA-1", etag),
        _ => null,
    };

    /// <summary>The hash of <paramref name="file"/>'s content, in lower-case hex, by this algorithm.</summary>
    /// <summary>The SHA-256 of <paramref name="file"/>'s content, in lower-case hex.</summary>
    public static string Sha256(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public string Compute(string file)
    {
        if (Algorithm == "SHA-256")
        {
            return Sha256(file);
        }
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {stream.Length}\0"));
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            sha1.AppendData(buffer, 0, read);
        }
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    private static bool IsLowerHex(string value) => value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');
}
