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
