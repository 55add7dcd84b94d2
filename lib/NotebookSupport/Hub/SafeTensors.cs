using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Hub;

/// <summary>
/// Reads and writes the <see href="https://github.com/huggingface/safetensors">safetensors</see> format used by
/// Hugging Face for <c>model.safetensors</c>: an 8-byte little-endian header length, a UTF-8 JSON header
/// (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {...}}</c>), then the raw
/// little-endian tensor bytes.
/// </summary>
/// <remarks>
/// TorchSharp.PyBridge has a safetensors reader and writer too, but its files carry no <c>__metadata__</c>
/// (<c>transformers</c> checks <c>{"format": "pt"}</c> before loading), its header is not padded to 8 bytes as the
/// reference writer does, and its errors do not name the file. This one does all three.
/// Supported dtypes: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL.
/// </remarks>
public static class SafeTensors
{
    /// <summary>Safetensors' 100 MB cap on the header, which keeps a corrupt length from allocating gigabytes.</summary>
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Reads every tensor of a safetensors file into CPU tensors (the caller owns and disposes them).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message names the file and the tensor.</exception>
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: safetensors file not found.", path);
        }
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Reads every tensor of a seekable safetensors stream; <paramref name="sourceName"/> is used in error messages.</summary>
    /// <exception cref="ArgumentException">The stream cannot seek (the header must be checked against the stream's length).</exception>
    public static Dictionary<string, Tensor> Load(Stream stream, string sourceName)
    {
        if (!stream.CanSeek)
        {
            throw new ArgumentException($"{sourceName}: reading safetensors needs a seekable stream.", nameof(stream));
        }
        var (entries, dataStart) = ReadHeader(stream, sourceName);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in entries)
            {
                // The header has been checked: this allocation is no larger than the bytes the file holds for it.
                var tensor = empty(entry.Shape, entry.DType);
                result.Add(entry.Name, tensor);
                stream.Position = dataStart + entry.Begin;
                try
                {
                    tensor.ReadBytesFromStream(stream);
                }
                catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException)
                {
                    throw new InvalidDataException($"{sourceName}: tensor '{entry.Name}' could not be read ({e.Message}).", e);
                }
            }
        }
        catch
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
        return result;
    }

    /// <summary>
    /// Reads only the header: tensor names with their dtype and shape, in file order. Cheap even for large files.
    /// </summary>
    public static IReadOnlyList<SafeTensorInfo> ReadInfo(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadHeader(stream, path).Entries
            .Select(e => new SafeTensorInfo(e.Name, e.DType, e.Shape))
            .ToList();
    }

    /// <summary>
    /// Writes tensors to a safetensors file (tensors are copied to CPU and made contiguous as needed), with
    /// <c>__metadata__ = {"format": "pt"}</c> plus <paramref name="metadata"/>, as Python's <c>save_file</c> does.
    /// </summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Save(tensors, stream, metadata);
    }

    /// <summary>Writes tensors in safetensors format to a stream (left open).</summary>
    public static void Save(IReadOnlyDictionary<string, Tensor> tensors, Stream stream, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        var meta = new JsonObject { ["format"] = "pt" };
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            meta[key] = value;
        }
        header["__metadata__"] = meta;
        long offset = 0;
        foreach (var name in names)
        {
            var tensor = tensors[name];
            long length = tensor.NumberOfElements * tensor.ElementSize;
            header[name] = new JsonObject
            {
                ["dtype"] = DTypeName(tensor.dtype, name),
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + length),
            };
            offset += length;
        }

        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        // The reference writer pads the header with spaces so the data starts 8-byte aligned.
        int padding = (8 - json.Length % 8) % 8;
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lengthBytes, (ulong)(json.Length + padding));
        stream.Write(lengthBytes);
        stream.Write(json);
        for (int i = 0; i < padding; i++)
        {
            stream.WriteByte((byte)' ');
        }
        foreach (var name in names)
        {
            using var scope = NewDisposeScope();
            tensors[name].detach().cpu().contiguous().WriteBytesToStream(stream);
        }
    }

    private sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    private static (List<Entry> Entries, long DataStart) ReadHeader(Stream stream, string sourceName)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        if (stream.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
        {
            throw new InvalidDataException($"{sourceName}: not a safetensors file (shorter than the 8-byte header length).");
        }
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        long fileLength = stream.Length;
        // Compared as unsigned: a length above long.MaxValue must not turn negative and pass.
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(fileLength - 8))
        {
            throw new InvalidDataException(
                $"{sourceName}: not a safetensors file (header length {headerLength} does not fit in a file of {fileLength} bytes).");
        }
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        var entries = new List<Entry>();
        try
        {
            var header = JsonNode.Parse(json) as JsonObject
                ?? throw new InvalidDataException($"{sourceName}: safetensors header is not a JSON object.");
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__")
                {
                    continue;
                }
                entries.Add(ParseEntry(name, node, sourceName, dataLength));
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{sourceName}: safetensors header is not valid JSON ({e.Message}).", e);
        }
        catch (ArgumentException e)
        {
            // JsonObject refuses a repeated property when it is first enumerated.
            throw new InvalidDataException($"{sourceName}: safetensors header names a tensor twice ({e.Message}).", e);
        }
        RefuseOverlaps(entries, sourceName);
        return (entries, dataStart);
    }

    /// <summary>
    /// Two tensors sharing bytes would alias each other's weights; the reference reader refuses them, and so does this one.
    /// Empty tensors occupy no bytes and cannot overlap.
    /// </summary>
    private static void RefuseOverlaps(List<Entry> entries, string sourceName)
    {
        Entry? previous = null;
        foreach (var entry in entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (previous is not null && entry.Begin < previous.End)
            {
                throw new InvalidDataException(
                    $"{sourceName}: tensors '{previous.Name}' (data_offsets [{previous.Begin}, {previous.End}]) and '{entry.Name}' " +
                    $"(data_offsets [{entry.Begin}, {entry.End}]) overlap; expected each tensor in its own byte range.");
            }
            previous = entry;
        }
    }

    private static Entry ParseEntry(string name, JsonNode? node, string sourceName, long dataLength)
    {
        string where = $"{sourceName}: tensor '{name}'";
        try
        {
            var dtypeName = node?["dtype"]?.GetValue<string>() ?? throw new InvalidDataException($"{where} has no \"dtype\".");
            var shape = (node["shape"] as JsonArray ?? throw new InvalidDataException($"{where} has no \"shape\" array."))
                .Select(d => d!.GetValue<long>()).ToArray();
            var offsets = (node["data_offsets"] as JsonArray ?? throw new InvalidDataException($"{where} has no \"data_offsets\" array."))
                .Select(d => d!.GetValue<long>()).ToArray();
            var dtype = ParseDType(dtypeName, where);
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
            {
                throw new InvalidDataException(
                    $"{where}: data_offsets [{string.Join(", ", offsets)}] lie outside the {dataLength} data bytes (truncated file?).");
            }
            if (shape.Any(d => d < 0))
            {
                throw new InvalidDataException($"{where}: shape [{string.Join(", ", shape)}] has a negative dimension.");
            }
            long expected = ByteCount(shape, dtype)
                ?? throw new InvalidDataException(
                    $"{where}: {dtypeName} shape [{string.Join(", ", shape)}] needs more than {long.MaxValue} bytes; the header is corrupt.");
            if (offsets[1] - offsets[0] != expected)
            {
                throw new InvalidDataException(
                    $"{where}: {dtypeName} shape [{string.Join(", ", shape)}] needs {expected} bytes but data_offsets span {offsets[1] - offsets[0]}.");
            }
            return new Entry(name, dtype, shape, offsets[0], offsets[1]);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new InvalidDataException($"{where}: malformed header entry, expected {{\"dtype\": str, \"shape\": [int], \"data_offsets\": [int, int]}}.", e);
        }
    }

    /// <summary>
    /// The byte size of a tensor, or null when it overflows: unchecked, <c>[2^32, 2^32]</c> of F32 wraps to 0 bytes,
    /// matches an empty byte range, and only fails later inside libtorch, without the file's name. The product of the
    /// non-zero dimensions must fit too, even when a zero makes the tensor empty: libtorch refuses such a shape.
    /// </summary>
    private static long? ByteCount(long[] shape, ScalarType dtype)
    {
        try
        {
            long bytes = checked(shape.Where(d => d != 0).Aggregate(1L, (a, b) => checked(a * b)) * ElementSize(dtype));
            return shape.Contains(0) ? 0 : bytes;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static ScalarType ParseDType(string name, string where) => name switch
    {
        "F64" => ScalarType.Float64,
        "F32" => ScalarType.Float32,
        "F16" => ScalarType.Float16,
        "BF16" => ScalarType.BFloat16,
        "I64" => ScalarType.Int64,
        "I32" => ScalarType.Int32,
        "I16" => ScalarType.Int16,
        "I8" => ScalarType.Int8,
        "U8" => ScalarType.Byte,
        "BOOL" => ScalarType.Bool,
        _ => throw new InvalidDataException($"{where}: unsupported dtype \"{name}\" (expected F64, F32, F16, BF16, I64, I32, I16, I8, U8 or BOOL)."),
    };

    private static string DTypeName(ScalarType dtype, string name) => dtype switch
    {
        ScalarType.Float64 => "F64",
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentException($"Tensor '{name}': dtype {dtype} cannot be stored in safetensors.", nameof(name)),
    };

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Int16 => 2,
        _ => 1,
    };
}

/// <summary>Name, dtype and shape of one tensor in a safetensors header.</summary>
public sealed record SafeTensorInfo(string Name, ScalarType DType, long[] Shape);
