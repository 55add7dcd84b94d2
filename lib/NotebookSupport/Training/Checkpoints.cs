using System.Globalization;
using System.Text.Json;
using NotebookSupport.Hub;
using NotebookSupport.Losses;
using NotebookSupport.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Training;

/// <summary>
/// Training checkpoints: <c>checkpoint-STEP</c> folders holding the model and loss weights, AdamW's state, torch's
/// random state and <see cref="TrainerState"/> (step, epoch, loader position, schedule, log).
/// </summary>
/// <remarks>
/// <para>
/// Files: <c>model.bin</c> and <c>loss-I.bin</c> (TorchSharp's <c>Module.save</c>), <c>rng_state.bin</c> (torch's
/// CPU generator state), the optimizer state, and <c>trainer_state.json</c>. The optimizer state is
/// <c>optimizer.safetensors</c> for <see cref="FusedAdamW"/> (layout in its remarks: <c>state.{i}.exp_avg</c>,
/// <c>state.{i}.exp_avg_sq</c>, <c>state.{i}.step</c>, <c>step_count</c>, <c>param_group_sizes</c>) or
/// <c>optimizer.bin</c> for torch's AdamW (<c>save_state_dict</c>); <see cref="TrainerState.Optimizer"/> says which,
/// and a checkpoint resumes only into the same kind of optimizer.
/// </para>
/// <para>
/// A checkpoint is written and flushed into the hidden folder <c>.checkpoint-STEP.saving-GUID</c> (<c>trainer_state.json</c>
/// last: it marks a checkpoint as complete), then put in place by <see cref="DurableFile.ReplaceFolder"/>: a checkpoint
/// of the same step already there is exchanged with it in one atomic step, so a kill at any moment leaves the complete
/// old or the complete new checkpoint at <c>checkpoint-STEP</c>. Old checkpoints are renamed away before they are
/// deleted, so a half-deleted one never looks complete. <see cref="Recover"/>, run by every save and by
/// <see cref="Resolve"/>, repairs what an interrupted save left, with a message on stderr.
/// </para>
/// </remarks>
public static class Checkpoints
{
    /// <summary>Prefix of checkpoint folder names.</summary>
    public const string Prefix = "checkpoint-";

    /// <summary>File that marks a complete checkpoint.</summary>
    public const string StateFile = "trainer_state.json";

    private const string ModelFile = "model.bin";
    private const string OptimizerFile = "optimizer.bin";
    private const string FusedOptimizerFile = "optimizer.safetensors";
    private const string RandomStateFile = "rng_state.bin";
    private static readonly JsonSerializerOptions _json = LibraryJson.Indented;

    /// <summary>The complete checkpoints under <paramref name="root"/>, oldest first, with their steps.</summary>
    public static IReadOnlyList<(int Step, string Path)> List(string root)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }
        return [.. Directory.EnumerateDirectories(root, Prefix + "*")
            .Select(path => (Ok: int.TryParse(Path.GetFileName(path)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var step), Step: step, Path: path))
            .Where(c => c.Ok && File.Exists(Path.Combine(c.Path, StateFile)))
            .OrderBy(c => c.Step)
            .Select(c => (c.Step, c.Path))];
    }

    /// <summary>The newest complete checkpoint under <paramref name="root"/>, or <c>null</c>.</summary>
    public static string? Latest(string root) => List(root) is { Count: > 0 } list ? list[^1].Path : null;

    /// <summary>
    /// <paramref name="path"/> itself if it is a complete checkpoint, else the newest complete checkpoint inside it.
    /// </summary>
    public static string Resolve(string path)
    {
        var full = Path.GetFullPath(path.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var root = Path.GetFileName(full).StartsWith(Prefix, StringComparison.Ordinal) ? Path.GetDirectoryName(full)! : full;
        if (Directory.Exists(root))
        {
            Recover(root);
        }
        if (File.Exists(Path.Combine(path, StateFile)))
        {
            return path;
        }
        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException($"Checkpoint folder '{path}' does not exist.");
        }
        return Latest(path) ?? throw new FileNotFoundException(
            $"'{path}' is neither a checkpoint (no {StateFile}) nor a folder with complete '{Prefix}STEP' checkpoints.");
    }

    /// <summary>Reads the <see cref="TrainerState"/> of a checkpoint folder.</summary>
    public static TrainerState ReadState(string checkpoint)
    {
        var file = Path.Combine(checkpoint, StateFile);
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(file), LibraryJson.Plain)
                ?? throw new InvalidDataException($"{file}: expected a JSON object, found null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: line {e.LineNumber + 1}: not a valid trainer state: {e.Message}", e);
        }
    }

    /// <summary>
    /// Saves a checkpoint for <paramref name="state"/> with <paramref name="optimizer"/>'s state and prunes old ones
    /// beyond <paramref name="totalLimit"/> (0 = keep all; the lowest steps go, never the one just saved).
    /// </summary>
    /// <returns>The checkpoint folder.</returns>
    public static string Save(string root, SentenceTransformer model, IReadOnlyList<SentenceTransformerLoss> losses,
        OptimizerHelper optimizer, TrainerState state, int totalLimit = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        state = state with { Optimizer = KindOf(optimizer) };
        Recover(root);
        var name = Prefix + state.GlobalStep.ToString(CultureInfo.InvariantCulture);
        var target = Path.Combine(root, name);
        var staging = Path.Combine(root, $".{name}{SavingMarker}{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            Write(Path.Combine(staging, ModelFile), s => Save(model, s));
            for (var i = 0; i < losses.Count; i++)
            {
                if (losses[i].parameters().Any())
                {
                    Write(Path.Combine(staging, LossFile(i)), s => Save(losses[i], s));
                }
            }
            SaveOptimizer(optimizer, staging);
            using (var randomState = random.get_rng_state())
            {
                var bytes = randomState.data<byte>().ToArray();
                Write(Path.Combine(staging, RandomStateFile), s => s.Write(bytes));
            }
            Write(Path.Combine(staging, StateFile), s => JsonSerializer.Serialize(s, state, _json));
            // An existing checkpoint of this step stays whole until the exchange puts the new one in its place.
            if (DurableFile.ReplaceFolder(staging, target) is { } old)
            {
                Directory.Delete(old, recursive: true);
            }
        }
        catch
        {
            DurableFile.RecoverFolder(target, Path.GetFileName(staging));
            throw;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
        if (totalLimit > 0)
        {
            // By step, but never the one just written: after resuming an older checkpoint, higher steps of the abandoned
            // run may be in the folder, and the new checkpoint is the one to keep.
            foreach (var (_, stale) in List(root).Where(c => c.Path != target).SkipLast(totalLimit - 1))
            {
                DurableFile.DeleteFolder(stale);
            }
        }
        return target;
    }

    /// <summary>
    /// Repairs what interrupted saves left under <paramref name="root"/>, reporting each repair on stderr: a checkpoint
    /// set aside by an interrupted exchange is put back; a complete staged checkpoint whose step folder is missing is
    /// moved into place; other staged copies, half-deleted checkpoints and temporary files are removed.
    /// </summary>
    public static void Recover(string root)
    {
        Directory.CreateDirectory(root);
        foreach (var old in Directory.EnumerateDirectories(root, $".{Prefix}*{SavingMarker}*.old"))
        {
            var target = StepFolder(root, old);
            if (Directory.Exists(target))
            {
                Directory.Delete(old, recursive: true);
                Console.Error.WriteLine($"{root}: removed {Path.GetFileName(old)}, the previous copy of {Path.GetFileName(target)} left by an interrupted save.");
            }
            else
            {
                Directory.Move(old, target);
                DurableFile.FlushFolder(root);
                Console.Error.WriteLine($"{root}: restored {Path.GetFileName(target)} from {Path.GetFileName(old)}, where an interrupted save had set it aside.");
            }
        }
        foreach (var staging in Directory.EnumerateDirectories(root, $".{Prefix}*{SavingMarker}*"))
        {
            var target = StepFolder(root, staging);
            if (!Directory.Exists(target) && File.Exists(Path.Combine(staging, StateFile)))
            {
                DurableFile.ReplaceFolder(staging, target);
                Console.Error.WriteLine($"{root}: {Path.GetFileName(target)} was complete in {Path.GetFileName(staging)} when its save was interrupted; moved it into place.");
            }
            else
            {
                Directory.Delete(staging, recursive: true);
                Console.Error.WriteLine($"{root}: removed {Path.GetFileName(staging)}, left by an interrupted checkpoint save.");
            }
        }
        foreach (var message in DurableFile.DeleteLeftovers(root))
        {
            Console.Error.WriteLine(message);
        }
    }

    private const string SavingMarker = ".saving-";

    // ".checkpoint-12.saving-GUID[.old]" -> "ROOT/checkpoint-12"
    private static string StepFolder(string root, string leftover)
    {
        var name = Path.GetFileName(leftover)[1..];
        return Path.Combine(root, name[..name.IndexOf(SavingMarker, StringComparison.Ordinal)]);
    }

    /// <summary>
    /// Restores weights, optimizer state and torch's random state from <paramref name="checkpoint"/> into the given
    /// objects (built exactly as for the run that saved it, with the same kind of optimizer) and returns its
    /// <see cref="TrainerState"/>.
    /// </summary>
    /// <param name="checkpoint">The checkpoint folder.</param>
    /// <param name="model">The model to restore the weights into.</param>
    /// <param name="losses">The losses to restore the weights of (those that have parameters).</param>
    /// <param name="optimizer">The optimizer to restore the state into.</param>
    /// <param name="optimizerParameterOrder">
    /// The parameters in the order the optimizer was built from (<see cref="FusedAdamW.LoadState"/>'s <c>givenOrder</c>):
    /// needed only for the state files of the earliest FusedAdamW.
    /// </param>
    public static TrainerState Load(string checkpoint, SentenceTransformer model, IReadOnlyList<SentenceTransformerLoss> losses, OptimizerHelper optimizer,
        IEnumerable<Parameter>? optimizerParameterOrder = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var state = ReadState(checkpoint);
        var kind = KindOf(optimizer);
        if (state.Optimizer != kind)
        {
            throw new InvalidOperationException(
                $"{Path.Combine(checkpoint, StateFile)}: the checkpoint holds the state of {state.Optimizer}, this run uses {kind}. " +
                $"Resume with FitOptions.Optimizer = OptimizerKind.{state.Optimizer} " +
                $"(st train --optimizer {(state.Optimizer == OptimizerKind.TorchAdamW ? "torch" : "fused")}).");
        }
        var lossNames = losses.Select(l => l.GetType().Name).ToArray();
        if (!state.Losses.SequenceEqual(lossNames))
        {
            throw new InvalidOperationException(
                $"{Path.Combine(checkpoint, StateFile)}: the checkpoint was made with losses [{string.Join(", ", state.Losses)}], " +
                $"this run has [{string.Join(", ", lossNames)}].");
        }
        // The optimizer's state first: a file that does not fit it is refused before the weights change.
        LoadOptimizer(optimizer, checkpoint, optimizerParameterOrder);
        Read(Path.Combine(checkpoint, ModelFile), s => Load(model, s));
        for (var i = 0; i < losses.Count; i++)
        {
            if (losses[i].parameters().Any())
            {
                Read(Path.Combine(checkpoint, LossFile(i)), s => Load(losses[i], s));
            }
        }
        var randomBytes = File.ReadAllBytes(Path.Combine(checkpoint, RandomStateFile));
        using (var randomState = tensor(randomBytes, dtype: ScalarType.Byte))
        {
            random.set_rng_state(randomState);
        }
        return state;
    }

    private static string LossFile(int index) => $"loss-{index}.bin";

    // Which state file a checkpoint holds follows from the optimizer: FusedAdamW's own safetensors layout, or
    // TorchSharp's save_state_dict for torch's optimizers.
    private static OptimizerKind KindOf(OptimizerHelper optimizer) =>
        optimizer is FusedAdamW ? OptimizerKind.FusedAdamW : OptimizerKind.TorchAdamW;

    private static void SaveOptimizer(OptimizerHelper optimizer, string folder)
    {
        if (optimizer is FusedAdamW fused)
        {
            fused.SaveState(Path.Combine(folder, FusedOptimizerFile));
            return;
        }
        Write(Path.Combine(folder, OptimizerFile), s =>
        {
            using var writer = new BinaryWriter(s, System.Text.Encoding.UTF8, leaveOpen: true);
            optimizer.save_state_dict(writer);
        });
    }

    private static void LoadOptimizer(OptimizerHelper optimizer, string checkpoint, IEnumerable<Parameter>? givenOrder)
    {
        if (optimizer is FusedAdamW fused)
        {
            var path = Path.Combine(checkpoint, FusedOptimizerFile);
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{path}: the checkpoint has no FusedAdamW state.", path);
            }
            fused.LoadState(path, givenOrder);
            return;
        }
        Read(Path.Combine(checkpoint, OptimizerFile), s =>
        {
            using var reader = new BinaryReader(s, System.Text.Encoding.UTF8, leaveOpen: true);
            optimizer.load_state_dict(reader);
        });
    }

    // Module.save(Stream) closes the stream; through a writer that leaves it open, it can still be flushed to disk.
    private static void Save(nn.Module module, Stream stream)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        module.save(writer);
    }

    private static void Load(nn.Module module, Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        module.load(reader);
    }

    private static void Write(string path, Action<Stream> write)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        write(stream);
        stream.Flush(flushToDisk: true);
    }

    private static void Read(string path, Action<Stream> read)
    {
        try
        {
            using var stream = File.OpenRead(path);
            read(stream);
        }
        catch (Exception e) when (e is not FileNotFoundException)
        {
            throw new InvalidDataException($"{path}: cannot restore from this checkpoint file ({e.Message}). Was it saved by a run with the same model and losses?", e);
        }
    }
}
