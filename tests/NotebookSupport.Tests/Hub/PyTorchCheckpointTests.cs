using System.IO.Compression;
using System.Runtime.CompilerServices;
using NotebookSupport.Hub;

namespace NotebookSupport.Tests.Hub;

public sealed class PyTorchCheckpointTests
{
    private static string Fixture(string name, [CallerFilePath] string sourceFile = "") =>
        Path.Combine(Path.GetDirectoryName(sourceFile)!, "Fixtures", name);

    /// <summary>The fixture is written by Python's own pickler in torch.save's format (see Fixtures/make_torch_checkpoint.py).</summary>
    [Fact]
    public void ReadsATorchSaveArchiveWrittenByPython()
    {
        var tensors = CheckpointFile.Load(Fixture("torch_save_state_dict.bin"));

        Assert.Equal(["bias", "ids", "tied", "w"], tensors.Keys.Order());
        Assert.Equal(new long[] { 2, 3 }, tensors["w"].shape);
        Assert.Equal(new[] { 0f, 0.5f, 1f, 1.5f, 2f, 2.5f }, tensors["w"].data<float>().ToArray());
        Assert.Equal(new[] { 0f, 0.5f, 1f, 1.5f, 2f, 2.5f }, tensors["tied"].data<float>().ToArray());
        Assert.Equal(new[] { 7L, -1L, 1L << 40, 0L }, tensors["ids"].data<long>().ToArray());
        Assert.Equal(new[] { -1.5f, 0.25f, 1e-3f }, tensors["bias"].data<float>().ToArray());
    }

    [Fact]
    public void NonZipFileIsRejectedNamingIt()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("pytorch_model.bin");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8A, 0x0A, 1, 2, 3]);

        var error = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(path));

        Assert.Contains(path, error.Message);
    }

    /// <summary>
    /// torch.save's zip layout (<c>archive/data.pkl</c>) around pickles written opcode by opcode, each broken in a
    /// different way, so that the unpickler fails in a different place.
    /// </summary>
    [Theory]
    // PROTO 2, then an opcode byte that does not exist.
    [InlineData(new byte[] { 0x80, 0x02, 0xFF })]
    // PROTO 2, EMPTY_DICT, BINGET of memo slot 7, which was never stored, SETITEMS, STOP.
    [InlineData(new byte[] { 0x80, 0x02, 0x7D, 0x68, 0x07, 0x75, 0x2E })]
    // PROTO 2, BININT1 5, STOP: a pickled int where a state dict should be.
    [InlineData(new byte[] { 0x80, 0x02, 0x4B, 0x05, 0x2E })]
    // PROTO 2, EMPTY_DICT, MARK, SETITEMS with an odd number of items, STOP.
    [InlineData(new byte[] { 0x80, 0x02, 0x7D, 0x28, 0x4B, 0x01, 0x75, 0x2E })]
    // Nothing at all.
    [InlineData(new byte[] { })]
    public void BrokenPickleInsideTheArchiveIsRejectedNamingTheFile(byte[] pickle)
    {
        using var temp = new TempFolder();
        var path = temp.Combine("pytorch_model.bin");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var entry = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open();
            entry.Write(pickle);
        }

        var error = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(path));

        Assert.Contains(path, error.Message);
    }

    /// <summary>The Python-written fixture, with one part of its archive damaged.</summary>
    [Theory]
    [InlineData("storage file missing")]
    [InlineData("storage file short")]
    [InlineData("unknown storage type")]
    [InlineData("pickle names a storage that is not there")]
    // libtorch's own bounds check throws an ExternalException, which knows nothing of the file.
    [InlineData("tensor starts beyond its storage")]
    public void DamagedTorchSaveArchiveIsRejectedNamingTheFile(string damage)
    {
        using var temp = new TempFolder();
        var path = temp.Combine("pytorch_model.bin");
        File.Copy(Fixture("torch_save_state_dict.bin"), path);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            switch (damage)
            {
                case "storage file missing":
                    zip.GetEntry("archive/data/0")!.Delete();
                    break;
                case "storage file short":
                    Replace(zip, "archive/data/0", bytes => bytes[..8]);
                    break;
                case "unknown storage type":
                    Replace(zip, "archive/data.pkl", bytes => ReplaceBytes(bytes, "FloatStorage"u8, "QuuxStorage"u8));
                    break;
                case "tensor starts beyond its storage":
                    // 'w' is _rebuild_tensor_v2(storage, offset 0 -> 9, size (2, 3), stride (3, 1)): 9 + 6 > 6 floats.
                    Replace(zip, "archive/data.pkl", bytes => ReplaceBytes(bytes, "QK\u0000K\u0002"u8, "QK\u0009K\u0002"u8));
                    break;
                default:
                    // The storage key is BINUNICODE of length 1: "X\x01\x00\x00\x000" -> "...9".
                    Replace(zip, "archive/data.pkl", bytes => ReplaceBytes(bytes, "X\u0001\u0000\u0000\u00000q\u0006"u8, "X\u0001\u0000\u0000\u00009q\u0006"u8));
                    break;
            }
        }

        var error = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(path));

        Assert.Contains(path, error.Message);
    }

    private static void Replace(ZipArchive zip, string name, Func<byte[], byte[]> change)
    {
        var entry = zip.GetEntry(name)!;
        byte[] bytes;
        using (var stream = entry.Open())
        using (var memory = new MemoryStream())
        {
            stream.CopyTo(memory);
            bytes = memory.ToArray();
        }
        entry.Delete();
        using var replaced = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
        replaced.Write(change(bytes));
    }

    private static byte[] ReplaceBytes(byte[] bytes, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        int at = bytes.AsSpan().IndexOf(from);
        Assert.True(at >= 0, "the fixture's pickle holds the bytes to damage");
        return [.. bytes[..at], .. to, .. bytes[(at + from.Length)..]];
    }

    [Fact]
    public void TruncatedArchiveIsRejectedNamingIt()
    {
        using var temp = new TempFolder();
        var path = temp.Combine("pytorch_model.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(Fixture("torch_save_state_dict.bin"))[..300]);

        var error = Assert.Throws<InvalidDataException>(() => CheckpointFile.Load(path));

        Assert.Contains(path, error.Message);
    }
}
