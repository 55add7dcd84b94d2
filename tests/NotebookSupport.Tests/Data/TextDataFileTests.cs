using System.IO.Compression;
using System.Text;
using NotebookSupport.Data;

namespace NotebookSupport.Tests.Data;

/// <summary>
/// The line reader under every text data file (NLI TSV and JSONL, the STS benchmark, the example TSVs), checked
/// against .NET's own line splitting (<see cref="StringReader.ReadLine"/>) of the decoded text.
/// </summary>
public sealed class TextDataFileTests : IDisposable
{
    private const int BufferBytes = 1 << 16;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void LinesAreThoseOfTheDecodedText(bool byteOrderMark, bool gzip)
    {
        var text = MixedText();
        var bytes = Encoding.UTF8.GetBytes(text);
        var path = Write("mixed.txt", byteOrderMark ? [.. Encoding.UTF8.Preamble, .. bytes] : bytes, gzip);

        var (lines, numbers) = ReadAll(path);

        Assert.Equal(Expected(text), lines);
        Assert.Equal(Enumerable.Range(1, lines.Count).Select(i => (long)i), numbers);
    }

    [Fact]
    public void TextThatIsNotUtf8IsReportedAtItsOwnLine()
    {
        // Far past the first buffer, where a reader that decodes ahead would blame an earlier line.
        var before = string.Concat(Enumerable.Range(0, 10000).Select(i => $"line {i} caf\u00e9\n"));
        Assert.True(Encoding.UTF8.GetByteCount(before) > 2 * BufferBytes);
        var path = Write("latin1.txt", [.. Encoding.UTF8.GetBytes(before), .. Encoding.Latin1.GetBytes("caf\u00e9\n"), .. "last\n"u8], gzip: false);

        using var file = TextDataFile.Open(path);
        for (var i = 0; i < 10000; i++)
        {
            Assert.Equal($"line {i} caf\u00e9", file.ReadLine());
        }
        var error = Assert.Throws<DataFormatException>(() => file.ReadLine());

        Assert.Equal(10001, error.Line);
        Assert.Equal($"{path}:10001: the text is not valid UTF-8.", error.Message);
    }

    [Fact]
    public void ReadingLinesAndReadingThroughReaderDoNotMix()
    {
        var path = Write("two.txt", "a\nb\n"u8.ToArray(), gzip: false);
        using (var file = TextDataFile.Open(path))
        {
            file.ReadLine();
            Assert.Throws<InvalidOperationException>(() => file.Reader);
        }
        using (var file = TextDataFile.Open(path))
        {
            Assert.Equal("a\nb\n", file.Reader.ReadToEnd());
            Assert.Throws<InvalidOperationException>(() => file.ReadLine());
        }
    }

    // Every kind of line end, empty lines, multi-byte characters (one of them cut by the first buffer's end, and a
    // CRLF cut the same way), a line longer than a buffer, and no line end after the last line.
    private static string MixedText()
    {
        var text = new StringBuilder();
        string[] ends = ["\n", "\r\n", "\r"];
        for (var i = 0; text.Length < 3 * BufferBytes; i++)
        {
            text.Append(i % 7 == 0 ? "" : $"{i}: caf\u00e9 \u65e5\u672c \U0001F600 {new string('x', i % 50)}").Append(ends[i % 3]);
            if (i == 10)
            {
                text.Append(new string('y', BufferBytes + 17)).Append('\n');
            }
        }
        var atBoundary = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text.ToString())[..(2 * BufferBytes - 1)]).TrimEnd('\uFFFD');
        var head = text.ToString()[..atBoundary.Length];
        return head + "\u00e9\r\n" + text.ToString()[atBoundary.Length..] + "no end";
    }

    private static List<string> Expected(string text)
    {
        var lines = new List<string>();
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }
        return lines;
    }

    private static (List<string> Lines, List<long> Numbers) ReadAll(string path)
    {
        var lines = new List<string>();
        var numbers = new List<long>();
        using var file = TextDataFile.Open(path);
        while (file.ReadLine() is { } line)
        {
            lines.Add(line);
            numbers.Add(file.LineNumber);
        }
        return (lines, numbers);
    }

    private string Write(string name, byte[] bytes, bool gzip)
    {
        var path = _temp.File(gzip ? name + ".gz" : name);
        using var output = File.Create(path);
        if (!gzip)
        {
            output.Write(bytes);
            return path;
        }

        using var compressed = new GZipStream(output, CompressionLevel.Fastest);
        compressed.Write(bytes);
        return path;
    }
}
