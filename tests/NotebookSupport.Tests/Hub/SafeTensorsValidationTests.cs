using System.Text;
using NotebookSupport.Hub;

namespace NotebookSupport.Tests.Hub;

/// <summary>
/// Headers that lie about the data, each built byte by byte: u64 little-endian header length, the JSON header, then
/// the data bytes. Every refusal must name the file.
/// </summary>
public sealed class SafeTensorsValidationTests
{
    private static byte[] File(string header, int dataBytes) =>
        [.. BitConverter.GetBytes((ulong)Encoding.UTF8.GetByteCount(header)), .. Encoding.UTF8.GetBytes(header), .. new byte[dataBytes]];

    private static InvalidDataException Refused(byte[] content, TempFolder folder)
    {
        var path = folder.Combine("model.safetensors");
        System.IO.File.WriteAllBytes(path, content);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load(path));
        Assert.Contains(path, error.Message);
        return error;
    }

    [Theory]
    // 2^32 * 2^32 elements * 4 bytes = 2^66, which wraps to 0 in 64 bits and would match the empty byte range.
    [InlineData("[4294967296,4294967296]", 0)]
    // 2^21 cubed * 4 = 2^65: the same wrap through three dimensions.
    [InlineData("[2097152,2097152,2097152]", 0)]
    // Wraps to a small positive count instead: 2^62 + 1 elements * 4 = 4 (mod 2^64).
    [InlineData("[4611686018427387905]", 4)]
    public void ShapeWhoseByteCountOverflowsIsRefusedBeforeAllocating(string shape, int wrappedBytes)
    {
        using var folder = new TempFolder();
        var error = Refused(File($"{{\"a\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":[0,{wrappedBytes}]}}}}", wrappedBytes), folder);

        Assert.Contains("'a'", error.Message);
        Assert.Contains("bytes", error.Message);
    }

    [Theory]
    [InlineData("[4294967296,4294967296,0]")]
    [InlineData("[0,4294967296,4294967296]")]
    public void ZeroDimensionDoesNotHideAnOverflowingShape(string shape)
    {
        // Unchecked, both give 0 bytes; libtorch still refuses the first, inside empty(), without the file's name.
        using var folder = new TempFolder();
        var error = Refused(File($"{{\"a\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":[0,0]}}}}", 0), folder);

        Assert.Contains("'a'", error.Message);
    }

    [Fact]
    public void EmptyTensorWithAZeroDimensionLoads()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("model.safetensors");
        System.IO.File.WriteAllBytes(path, File("{\"a\":{\"dtype\":\"F32\",\"shape\":[3,0,5],\"data_offsets\":[0,0]}}", 0));

        var tensors = SafeTensors.Load(path);

        Assert.Equal(new long[] { 3, 0, 5 }, tensors["a"].shape);
    }

    [Fact]
    public void HeaderLengthAboveLongMaxValueIsRefused()
    {
        using var folder = new TempFolder();
        var error = Refused([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, (byte)'{', (byte)'}'], folder);

        Assert.Contains("header length 18446744073709551615", error.Message);
    }

    [Theory]
    [InlineData("[0,1000]")]
    [InlineData("[16,32]")]
    [InlineData("[-16,0]")]
    [InlineData("[16,0]")]
    [InlineData("[0]")]
    public void OffsetsOutsideTheDataAreRefused(string offsets)
    {
        using var folder = new TempFolder();
        var error = Refused(File($"{{\"a\":{{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":{offsets}}}}}", 16), folder);

        Assert.Contains("'a'", error.Message);
        Assert.Contains("data_offsets", error.Message);
    }

    [Fact]
    public void OverlappingTensorsAreRefusedNamingBoth()
    {
        using var folder = new TempFolder();
        var header = "{\"first\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                     + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                     + "\"second\":{\"dtype\":\"I32\",\"shape\":[4],\"data_offsets\":[8,24]}}";

        var error = Refused(File(header, 24), folder);

        Assert.Contains("'first'", error.Message);
        Assert.Contains("'second'", error.Message);
        Assert.Contains("overlap", error.Message);
        Assert.DoesNotContain("'empty'", error.Message);
    }

    [Fact]
    public void TensorNamedTwiceIsRefused()
    {
        using var folder = new TempFolder();
        var header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";

        var error = Refused(File(header, 8), folder);

        Assert.Contains("twice", error.Message);
    }

    [Fact]
    public void NegativeDimensionIsRefused()
    {
        using var folder = new TempFolder();
        var error = Refused(File("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1,-4],\"data_offsets\":[0,16]}}", 16), folder);

        Assert.Contains("'a'", error.Message);
        Assert.Contains("negative", error.Message);
    }
}
