using NotebookSupport.Data;
using NotebookSupport.Evaluation;
using NotebookSupport.Models;

namespace NotebookSupport.Training;

/// <summary>
/// Everything <c>Fit</c> can be told, with the tutorial's (and sentence-transformers') defaults: one epoch, 10% linear
/// warm-up, AdamW at 2e-5 with weight decay 0.01 (not on biases and LayerNorm), gradient clipping at 1.0, batches in
/// random order, float32.
/// </summary>
/// <remarks>
/// Two speed options change the numbers a little, so they are off by default (their speed and STSb scores, measured on
/// one SNLI epoch of all-MiniLM-L6-v2, are in bench/RESULTS.md): <see cref="GroupByLength"/> and
/// <see cref="Precision"/> = <see cref="Models.Precision.BFloat16"/> (on CPUs with AVX512_BF16/AMX).
/// <see cref="Optimizer"/> picks the AdamW implementation; both compute the same update.
/// </remarks>
public sealed record FitOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Steps per epoch; <c>null</c> = the batch count of the shortest loader. May not exceed it.</summary>
    public int? StepsPerEpoch { get; init; }

    /// <summary>Linear warm-up steps; <c>null</c> = <see cref="WarmupRatio"/> of all steps (the tutorial's 10%).</summary>
    public int? WarmupSteps { get; init; }

    /// <summary>Fraction of all steps used for warm-up when <see cref="WarmupSteps"/> is <c>null</c>.</summary>
    public double WarmupRatio { get; init; } = 0.1;

    /// <summary>Peak learning rate of AdamW.</summary>
    public double LearningRate { get; init; } = 2e-5;

    /// <summary>AdamW weight decay, applied to all parameters except biases and LayerNorm.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Gradients are clipped to this global L2 norm before each optimizer step.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// The AdamW implementation: <see cref="OptimizerKind.Auto"/> (default) takes the fused one whenever the parameters
    /// allow it (float32 on the CPU), torch's otherwise. A checkpoint resumes only with the kind that saved it.
    /// </summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Auto;

    /// <summary>
    /// The model's <see cref="SentenceTransformer.Precision"/> while training; <c>null</c> = leave it as it is. With
    /// <see cref="Models.Precision.BFloat16"/> the matrix products run in bfloat16 and the float32 master weights are
    /// updated; the previous precision is restored afterwards (evaluations run at it too), and the saved model is float32.
    /// </summary>
    public Precision? Precision { get; init; }

    /// <summary>
    /// Batch examples of similar token length together so less padding is computed: every loader that uses the
    /// default random order is switched to <see cref="LengthGroupedExampleOrder"/> over the model's tokenizer (the
    /// no-duplicates rule and every-example-once still hold). A loader with another custom order is an error.
    /// </summary>
    public bool GroupByLength { get; init; }

    /// <summary>Folder for the trained model (sentence-transformers layout), its training log and the <see cref="Callbacks"/>' files.</summary>
    public string? OutputPath { get; init; }

    /// <summary>
    /// Let a new training replace what an earlier run or another model left in <see cref="OutputPath"/> (model files,
    /// <c>training_log.jsonl</c>, the <see cref="Callbacks"/>' files such as <c>loss_curve.png</c>), in
    /// <see cref="LogPath"/> and in <see cref="CheckpointPath"/> (<c>checkpoint-STEP</c> folders). Without it such a
    /// training is refused before it starts, naming the files; files that are not the training's own are never touched
    /// either way. A resumed training (<see cref="ResumeFromCheckpoint"/>) replaces its own outputs without it.
    /// </summary>
    public bool Overwrite { get; init; }

    /// <summary>With an evaluator, save to <see cref="OutputPath"/> whenever the score improves instead of at the end.</summary>
    public bool SaveBestModel { get; init; } = true;

    /// <summary>Show a console progress bar (loss, learning rate, it/s, ETA).</summary>
    public bool ShowProgressBar { get; init; } = true;

    /// <summary>
    /// Scores the model after every epoch and every <see cref="EvaluationSteps"/> steps: any evaluator
    /// (<see cref="EmbeddingSimilarityEvaluator"/>, <see cref="TripletEvaluator"/>, <see cref="InformationRetrievalEvaluator"/>);
    /// its <see cref="EvaluationResult.PrimaryScore"/> selects the best model.
    /// </summary>
    public SentenceEvaluator? Evaluator { get; init; }

    /// <summary>Evaluate every this many steps as well as at each epoch's end; 0 = only at epoch ends.</summary>
    public int EvaluationSteps { get; init; }

    /// <summary>Folder for checkpoints (<c>checkpoint-STEP</c> sub-folders); <c>null</c> = no checkpoints.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Save a checkpoint every this many steps.</summary>
    public int CheckpointSaveSteps { get; init; } = 500;

    /// <summary>Keep only the newest this many checkpoints; 0 = keep all.</summary>
    public int CheckpointSaveTotalLimit { get; init; }

    /// <summary>
    /// Continue from a checkpoint: a <c>checkpoint-STEP</c> folder, or a checkpoint root (the newest complete one in
    /// it is used). Training then goes on exactly as if it had never stopped. The checkpoint must come from the same
    /// run: same <see cref="Seed"/>, loaders (batch size, seed, data), losses and settings, and model architecture;
    /// see <see cref="AllowResumeWithChanges"/>.
    /// </summary>
    public string? ResumeFromCheckpoint { get; init; }

    /// <summary>
    /// Let <see cref="ResumeFromCheckpoint"/> continue a checkpoint although this run differs from the one that saved it
    /// (seed, batch size, loss settings, data or model); the differences are printed. Without it such a resume fails,
    /// naming each difference, because it would silently continue a different run.
    /// </summary>
    public bool AllowResumeWithChanges { get; init; }

    /// <summary>Seed of torch's random generator (dropout) at the start of training.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Receives a report after every step, e.g. for a notebook's own progress display.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>JSON-lines training log written as training runs; <c>null</c> = <c>training_log.jsonl</c> in <see cref="CheckpointPath"/> when set.</summary>
    public string? LogPath { get; init; }

    /// <summary>Stops training after the current step (a checkpoint is saved first when checkpointing).</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>
    /// Code run at points of the training (<see cref="TrainerCallback"/>), e.g. <c>[new LossCurveCallback()]</c> to
    /// save the loss curve beside the model in <see cref="OutputPath"/>.
    /// </summary>
    public IReadOnlyList<TrainerCallback> Callbacks { get; init; } = [];
}
