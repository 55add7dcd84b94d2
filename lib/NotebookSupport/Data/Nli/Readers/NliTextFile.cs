using System.IO.Compression;
using System.Text;

namespace NotebookSupport.Data.Nli.Readers;

/// <summary>
/// A UTF-8 text file opened for streaming, transparently gunzipped when it starts with the gzip magic bytes.
/// A byte order mark is dropped and CRLF, LF and CR all end a line. Corrupt or truncated gzip data becomes an
/// <see cref="NliFormatException"/> naming the file and line.
/// </summary>
internal sealed class NliTextFile : IDisposable
{
    private readonly FileStream _file;

    private NliTextFile(string path, FileStream file, Stream stream)
    {
        Path = path;
        _file = file;
        Reader = new StreamReader(stream, new UTF8Encoding(false, true), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
    }

    public string Path { get; }

    public TextReader Reader { get; }

    /// <summary>The 1-based number of the line last returned by <see cref="ReadLine"/>.</summary>
    public long LineNumber { get; private set; }

    public long Length => _file.Length;

    public long Position => _file.Position;

    public static NliTextFile Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var magic = new byte[2];
        var gzip = file.Read(magic, 0, 2) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        file.Position = 0;
        if (!gzip)
        {
            return new NliTextFile(path, file, file);
        }

        try
        {
            var expectedSize = GzipEndCheckStream.ReadExpectedSize(file);
            return new NliTextFile(path, file, new GzipEndCheckStream(new GZipStream(file, CompressionMode.Decompress), expectedSize));
        }
        catch (InvalidDataException e)
        {
            file.Dispose();
            throw new NliFormatException(path, null, e.Message, e);
        }
    }

    /// <summary>The next line without its terminator, or <c>null</c> at the end.</summary>
    public string? ReadLine()
    {
        var line = Guard(LineNumber + 1, () => Reader.ReadLine());
        if (line is not null)
        {
            LineNumber++;
        }

        return line;
    }

    /// <summary>Runs a read on <see cref="Reader"/>, turning decoding failures into errors at <paramref name="line"/>.</summary>
    public T Guard<T>(long line, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new NliFormatException(Path, line, $"{e.Message}; the gzip file is corrupt or incomplete.", e);
        }
        catch (DecoderFallbackException e)
        {
            throw new NliFormatException(Path, line, "the text is not valid UTF-8.", e);
        }
    }

    public void Dispose() => Reader.Dispose();
}
