using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using NotebookSupport.Hub;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Hub;

public sealed class SafeTensorsTests
{
    /// <summary>
    /// Bytes laid out by hand as the format's specification describes (and Python's <c>safetensors.torch.save_file</c>
    /// writes them): u64 header size, JSON header padded with spaces to 8 bytes, then little-endian data.
    /// F16 0x3C00 = 1.0, 0xC000 = -2.0; BF16 0x3F80 = 1.0, 0x4040 = 3.0.
    /// </summary>
    private static byte[] HandWrittenFile()
    {
        var header = "{\"__metadata__\":{\"format\":\"pt\"},"
                     + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                     + "\"b\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[16,40]},"
                     + "\"c\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[40,44]},"
                     + "\"d\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[44,48]}}";
        while (header.Length % 8 != 0)
        {
            header += " ";
        }
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes((ulong)header.Length));
        bytes.AddRange(Encoding.UTF8.GetBytes(header));
        foreach (var f in new[] { 1.5f, -2f, 0.25f, 1e-3f })
        {
            bytes.AddRange(BitConverter.GetBytes(f));
        }
        foreach (var l in new[] { 7L, -1L, 1L << 40 })
        {
            bytes.AddRange(BitConverter.GetBytes(l));
        }
        bytes.AddRange(new byte[] { 0x00, 0x3C, 0x00, 0xC0, 0x80, 0x3F, 0x40, 0x40 });
        return bytes.ToArray();
    }

    [Fact]
    public void ReadsAFileLaidOutAsTheSpecificationSays()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("model.safetensors");
        File.WriteAllBytes(path, HandWrittenFile());

        var tensors = SafeTensors.Load(path);

        Assert.Equal(["a", "b", "c", "d"], tensors.Keys.Order());
        Assert.Equal(new long[] { 2, 2 }, tensors["a"].shape);
        Assert.Equal(new[] { 1.5f, -2f, 0.25f, 1e-3f }, tensors["a"].data<float>().ToArray());
        Assert.Equal(new[] { 7L, -1L, 1L << 40 }, tensors["b"].data<long>().ToArray());
        Assert.Equal(ScalarType.Float16, tensors["c"].dtype);
        Assert.Equal(new[] { 1f, -2f }, tensors["c"].to_type(ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(ScalarType.BFloat16, tensors["d"].dtype);
        Assert.Equal(new[] { 1f, 3f }, tensors["d"].to_type(ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void SaveThenLoadGivesTheSameTensorsAndAPythonCompatibleHeader()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("x.safetensors");
        var original = new Dictionary<string, Tensor>
        {
            ["encoder.layer.0.attention.self.query.weight"] = randn(5, 3),
            ["transposed"] = randn(3, 4).T,
            ["ids"] = arange(6, dtype: ScalarType.Int64),
            ["half"] = randn(4).to_type(ScalarType.Float16),
            ["scalar"] = tensor(3.5f),
        };

        SafeTensors.Save(original, path, new Dictionary<string, string> { ["note"] = "é" });
        var loaded = SafeTensors.Load(path);

        Assert.Equal(original.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, t) in original)
        {
            Assert.Equal(t.dtype, loaded[name].dtype);
            Assert.Equal(t.shape, loaded[name].shape);
            Assert.True(t.eq(loaded[name]).all().item<bool>(), name);
        }
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength))!;
        Assert.Equal("pt", (string?)header["__metadata__"]!["format"]);
        Assert.Equal("é", (string?)header["__metadata__"]!["note"]);
        // 15 + 12 floats, 6 longs, 4 halves, 1 float.
        Assert.Equal(8 + headerLength + 15 * 4 + 12 * 4 + 6 * 8 + 4 * 2 + 4, bytes.Length);
    }

    [Fact]
    public void InteroperatesWithTorchSharpPyBridge()
    {
        using var folder = new TempFolder();
        var ours = folder.Combine("ours.safetensors");
        var theirs = folder.Combine("theirs.safetensors");
        var tensors = new Dictionary<string, Tensor> { ["w"] = randn(7, 2), ["b"] = randn(2) };

        SafeTensors.Save(tensors, ours);
        var readByPyBridge = TorchSharp.PyBridge.Safetensors.LoadStateDict(ours);
        using (var stream = File.Create(theirs))
        {
            TorchSharp.PyBridge.Safetensors.SaveStateDict(stream, tensors);
        }
        var readByUs = SafeTensors.Load(theirs);

        foreach (var (name, t) in tensors)
        {
            Assert.True(t.eq(readByPyBridge[name]).all().item<bool>());
            Assert.True(t.eq(readByUs[name]).all().item<bool>());
        }
    }

    [Fact]
    public void TruncatedFileNamesTheFileAndTheTensor()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("model.safetensors");
        File.WriteAllBytes(path, HandWrittenFile()[..^6]);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("'c'", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "shorter than")]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 1, 2 }, "header length")]
    [InlineData(new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'x', (byte)'x', (byte)'}' }, "not valid JSON")]
    public void GarbageIsRejectedNamingTheFile(byte[] content, string expected)
    {
        using var folder = new TempFolder();
        var path = folder.Combine("model.safetensors");
        File.WriteAllBytes(path, content);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void UnknownDtypeIsNamed()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("model.safetensors");
        var header = "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. Encoding.UTF8.GetBytes(header), 0]);

        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));

        Assert.Contains("F8_E4M3", error.Message);
        Assert.Contains("'a'", error.Message);
    }
}
