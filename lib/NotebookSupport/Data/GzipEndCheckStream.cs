using System.Buffers.Binary;

namespace NotebookSupport.Data;

/// <summary>
/// Wraps a decompressing <see cref="System.IO.Compression.GZipStream"/> and, when it reports the end,
/// compares the bytes produced with the ISIZE field of the gzip trailer (the last 4 bytes of the file: the
/// uncompressed size mod 2^32). .NET's GZipStream ends quietly on truncated input; without this check a
/// cut-off download would just load fewer rows.
/// </summary>
/// <remarks>
/// Only the last member's size is in the trailer, so a multi-member gzip (files joined with <c>cat</c>) is
/// reported as truncated; decompress such a file first.
/// </remarks>
internal sealed class GzipEndCheckStream(Stream decompressed, uint expectedSize) : Stream
{
    private long _produced;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _produced;
        set => throw new NotSupportedException();
    }

    /// <summary>Reads the ISIZE field from the end of a gzip file and rewinds it.</summary>
    public static uint ReadExpectedSize(FileStream file)
    {
        if (file.Length < 18)
        {
            throw new InvalidDataException($"the gzip file is only {file.Length} bytes, shorter than a gzip header and trailer; it is truncated.");
        }

        Span<byte> trailer = stackalloc byte[4];
        file.Seek(-4, SeekOrigin.End);
        file.ReadExactly(trailer);
        file.Position = 0;
        return BinaryPrimitives.ReadUInt32LittleEndian(trailer);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = decompressed.Read(buffer);
        _produced += read;
        if (read == 0 && buffer.Length > 0 && (uint)_produced != expectedSize)
        {
            throw new InvalidDataException(
                $"the gzip data is truncated: it ended after {_produced:N0} bytes but its trailer promises {expectedSize:N0} (mod 2^32)");
        }

        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            decompressed.Dispose();
        }

        base.Dispose(disposing);
    }
}
