using System.IO.Compression;
using System.Text;

namespace NotebookSupport.Data;

/// <summary>
/// A UTF-8 text file opened for streaming, transparently gunzipped when it starts with the gzip magic bytes.
/// A UTF-8 byte order mark is dropped and CRLF, LF and CR all end a line. Corrupt or truncated gzip data and text that
/// is not UTF-8 become a <see cref="DataFormatException"/> naming the file and line.
/// </summary>
/// <remarks>
/// Read a file either line by line (<see cref="ReadLine"/>) or through <see cref="Reader"/> (for a parser that takes a
/// <see cref="TextReader"/>), not both. <see cref="ReadLine"/> cuts the lines on the bytes and decodes each one alone,
/// so invalid UTF-8 is reported at its own line; a <see cref="TextReader"/> decodes a whole buffer ahead of the line it
/// returns, so through <see cref="Reader"/> the line is the record being read when decoding failed.
/// </remarks>
internal sealed class TextDataFile : IDisposable
{
    private static readonly UTF8Encoding _strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly FileStream _file;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private bool _endOfStream, _afterCarriageReturn;
    private byte[] _line = new byte[1 << 10];
    private int _lineLength;
    private TextReader? _reader;

    private TextDataFile(string path, FileStream file, Stream stream)
    {
        Path = path;
        _file = file;
        _stream = stream;
    }

    public string Path { get; }

    /// <summary>The file's text for a parser; see the remarks.</summary>
    public TextReader Reader =>
        _reader ??= _end > 0 || _endOfStream
            ? throw new InvalidOperationException($"{Path} is being read with {nameof(ReadLine)}.")
            : new StreamReader(_stream, _strictUtf8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);

    /// <summary>The 1-based number of the line last returned by <see cref="ReadLine"/>.</summary>
    public long LineNumber { get; private set; }

    public long Length => _file.Length;

    public long Position => _file.Position;

    public static TextDataFile Open(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var magic = new byte[2];
        var gzip = file.Read(magic, 0, 2) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        file.Position = 0;
        if (!gzip)
        {
            return new TextDataFile(path, file, file);
        }

        try
        {
            var expectedSize = GzipEndCheckStream.ReadExpectedSize(file);
            return new TextDataFile(path, file, new GzipEndCheckStream(new GZipStream(file, CompressionMode.Decompress), expectedSize));
        }
        catch (InvalidDataException e)
        {
            file.Dispose();
            throw new DataFormatException(path, null, e.Message, e);
        }
    }

    /// <summary>The next line without its terminator, or <c>null</c> at the end.</summary>
    public string? ReadLine()
    {
        if (_reader is not null)
        {
            throw new InvalidOperationException($"{Path} is being read through {nameof(Reader)}.");
        }

        var number = LineNumber + 1;
        _lineLength = 0;
        bool ended = false, any = false;
        while (!ended)
        {
            if (_start == _end)
            {
                _start = _end = 0;
                if (_endOfStream || (_end = Guard(number, () => _stream.Read(_buffer, 0, _buffer.Length))) == 0)
                {
                    _endOfStream = true;
                    break;
                }
            }
            if (_afterCarriageReturn)
            {
                _afterCarriageReturn = false;
                if (_buffer[_start] == (byte)'\n')
                {
                    _start++;
                    continue;
                }
            }

            any = true;
            var rest = _buffer.AsSpan(_start, _end - _start);
            var end = rest.IndexOfAny((byte)'\n', (byte)'\r');
            var part = end < 0 ? rest : rest[..end];
            Append(part);
            _start += part.Length;
            if (end >= 0)
            {
                _afterCarriageReturn = _buffer[_start] == (byte)'\r';
                _start++;
                ended = true;
            }
        }
        if (!any)
        {
            return null;
        }

        LineNumber = number;
        var text = _line.AsSpan(0, _lineLength);
        if (number == 1 && text.StartsWith("\uFEFF"u8))
        {
            text = text[3..];
        }

        try
        {
            return _strictUtf8.GetString(text);
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFormatException(Path, number, "the text is not valid UTF-8.", e);
        }
    }

    /// <summary>Runs a read of the file (of its bytes, or through <see cref="Reader"/>), turning gzip and decoding failures into errors at <paramref name="line"/>.</summary>
    public T Guard<T>(long line, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(Path, line, $"{e.Message}; the gzip file is corrupt or incomplete.", e);
        }
        catch (DecoderFallbackException e)
        {
            throw new DataFormatException(Path, line, "the text is not valid UTF-8.", e);
        }
    }

    public void Dispose()
    {
        _reader?.Dispose();
        _stream.Dispose();
        _file.Dispose();
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_lineLength + bytes.Length > _line.Length)
        {
            Array.Resize(ref _line, Math.Max(_line.Length * 2, _lineLength + bytes.Length));
        }
        bytes.CopyTo(_line.AsSpan(_lineLength));
        _lineLength += bytes.Length;
    }
}
