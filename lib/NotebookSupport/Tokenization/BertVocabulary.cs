using System.Text;

namespace NotebookSupport.Tokenization;

/// <summary>
/// A WordPiece <c>vocab.txt</c>: one token per line, the id is the line number (from 0). Read as Hugging Face's
/// <c>load_vocab</c> does: UTF-8, "\n", "\r\n" and "\r" all end a line, nothing but the line end is stripped,
/// and a token listed twice keeps its last line.
/// </summary>
internal sealed class BertVocabulary
{
    private readonly Dictionary<string, int> _ids;

    private BertVocabulary(string[] tokens, string sourceName)
    {
        Tokens = tokens;
        SourceName = sourceName;
        _ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Length; i++)
        {
            _ids[tokens[i]] = i;
        }
    }

    /// <summary>The lines of the file, in order; <c>Tokens[id]</c> is the token with that id.</summary>
    public string[] Tokens { get; }

    /// <summary>Where the vocabulary came from (a path or a resource name), for error messages.</summary>
    public string SourceName { get; }

    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    /// <summary>The id of a token the tokenizer cannot work without; a clear error naming the file if it is missing.</summary>
    public int RequireId(string token, string role) =>
        _ids.TryGetValue(token, out int id)
            ? id
            : throw new InvalidDataException(
                $"Vocabulary '{SourceName}' has no line '{token}' (the {role} token); a BERT vocab.txt must contain it.");

    /// <summary>
    /// The vocabulary as Microsoft.ML.Tokenizers reads it (one token per "\n"-terminated line, id = line number).
    /// Earlier lines of a duplicated token are left empty: that loader rejects duplicates and skips empty lines,
    /// so every id stays what Hugging Face gives it.
    /// </summary>
    public MemoryStream ToLineStream()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < Tokens.Length; i++)
        {
            if (_ids[Tokens[i]] == i)
            {
                sb.Append(Tokens[i]);
            }

            sb.Append('\n');
        }

        return new MemoryStream(new UTF8Encoding(false).GetBytes(sb.ToString()));
    }

    /// <summary>Reads a vocabulary; any failure is an exception that names <paramref name="sourceName"/>.</summary>
    public static BertVocabulary Read(Stream stream, string sourceName)
    {
        byte[] bytes;
        try
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            bytes = buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ObjectDisposedException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Cannot read vocabulary '{sourceName}': {e.Message}", e);
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            int line = 1 + bytes.AsSpan(0, Math.Clamp(e.Index, 0, bytes.Length)).Count((byte)'\n');
            throw new InvalidDataException(
                $"Vocabulary '{sourceName}' line {line}: not valid UTF-8 (byte offset {e.Index}); vocab.txt must be UTF-8 text, one token per line.", e);
        }

        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        string[] tokens = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        if (tokens[^1].Length == 0)
        {
            tokens = tokens[..^1];
        }

        if (tokens.All(string.IsNullOrWhiteSpace))
        {
            throw new InvalidDataException($"Vocabulary '{sourceName}' is empty; expected one WordPiece token per line.");
        }

        return new BertVocabulary(tokens, sourceName);
    }

    /// <summary>Opens and reads <paramref name="path"/>; a missing or unreadable file is an error naming it.</summary>
    public static BertVocabulary ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Vocabulary file '{path}' does not exist.", path);
        }

        try
        {
            using FileStream stream = File.OpenRead(path);
            return Read(stream, path);
        }
        catch (Exception e) when (e is IOException and not FileNotFoundException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Cannot read vocabulary file '{path}': {e.Message}", e);
        }
    }
}
