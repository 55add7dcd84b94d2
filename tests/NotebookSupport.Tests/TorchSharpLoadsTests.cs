using TorchSharp;

namespace NotebookSupport.Tests;

public sealed class TorchSharpLoadsTests
{
    [Fact]
    public void LibTorchLoadsAndComputes()
    {
        using var a = torch.arange(6, dtype: torch.float32).reshape(2, 3);
        using var b = a.matmul(a.T);
        Assert.Equal(new float[] { 5, 14, 14, 50 }, b.data<float>().ToArray());
    }
}
