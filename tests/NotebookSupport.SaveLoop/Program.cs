using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using NotebookSupport.Tests.Hub;
using NotebookSupport.Training;
using static TorchSharp.torch;

// Saves version after version of a model folder and of three checkpoint steps until it is killed, announcing each
// save on stdout before it starts ("model K", "checkpoint STEP K") and after it ends ("... done").
//   args: MODEL_FOLDER CHECKPOINT_ROOT FIRST_VERSION
// Version K is told apart by a marker, word_embeddings[0, 0] = K, and, in the model folder, by a layout that changes
// with K (SaveLoopVersion), so a folder mixing two versions' files is caught too.
set_num_threads(1);
var folder = args[0];
var root = args[1];
var first = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);

var checkpointModel = TinyBert.Create(PoolingMode.Mean, normalize: true);
var losses = new SentenceTransformerLoss[] { new MultipleNegativesRankingLoss(checkpointModel) };
var optimizer = OptimizerFactory.AdamW(checkpointModel.named_parameters(), kind: OptimizerKind.FusedAdamW);
var weights = checkpointModel.Transformer.AutoModel.state_dict()["embeddings.word_embeddings.weight"];
Console.WriteLine("ready");
for (var version = first; ; version++)
{
    using (no_grad())
    {
        weights[0, 0] = tensor((float)version);
    }
    var (mode, normalize, maxSeqLength) = SaveLoopVersion.Layout(version);
    var model = new SentenceTransformer(checkpointModel.Transformer, new Pooling(TinyBert.Config.HiddenSize, mode), normalize ? new Normalize() : null)
    {
        MaxSeqLength = maxSeqLength,
    };
    Console.WriteLine($"model {version}");
    SentenceTransformerWriter.Save(model, folder, overwrite: true, log: _ => { });
    Console.WriteLine($"model {version} done");

    var step = version % 3 + 1;
    Console.WriteLine($"checkpoint {step} {version}");
    Checkpoints.Save(root, checkpointModel, losses, optimizer, new TrainerState { GlobalStep = step, TotalSteps = 3, ElapsedSeconds = version, Losses = ["MultipleNegativesRankingLoss"] });
    Console.WriteLine($"checkpoint {step} {version} done");
}
