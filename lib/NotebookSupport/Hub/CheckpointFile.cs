using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace NotebookSupport.Hub;

/// <summary>
/// The weights file of a Hugging Face model folder: <c>model.safetensors</c> (preferred, as <c>transformers</c> does)
/// or <c>pytorch_model.bin</c> (a <c>torch.save</c> zip archive, read with TorchSharp.PyBridge's unpickler).
/// </summary>
public static class CheckpointFile
{
    /// <summary>The weight file names looked for, in order of preference.</summary>
    public static IReadOnlyList<string> FileNames { get; } = ["model.safetensors", "pytorch_model.bin"];

    /// <summary>The path of the weights file in <paramref name="folder"/>, or null when there is none.</summary>
    public static string? Find(string folder) =>
        FileNames.Select(name => Path.Combine(folder, name)).FirstOrDefault(File.Exists);

    /// <summary>Reads a <c>.safetensors</c> or <c>pytorch_model.bin</c> file into CPU tensors owned by the caller.</summary>
    /// <exception cref="InvalidDataException">The file is corrupt or in an unsupported format; the message names it.</exception>
    public static Dictionary<string, Tensor> Load(string path)
    {
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            return SafeTensors.Load(path);
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: weights file not found.", path);
        }
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (NotImplementedException e)
        {
            throw new InvalidDataException($"{path}: unsupported PyTorch checkpoint ({e.Message}).", e);
        }
        // The unpickler reports bad input with whatever exception its code happened to hit (KeyNotFound, NullReference,
        // IndexOutOfRange, ...); each one is a file we cannot read, and the user needs its name.
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            throw new InvalidDataException(
                $"{path}: not a readable PyTorch state dict (expected a torch.save zip archive of a state_dict): {e.Message}", e);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor tensor)
            {
                result[name] = tensor;
            }
        }
        return result;
    }
}
