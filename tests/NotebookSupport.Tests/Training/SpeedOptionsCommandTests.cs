using NotebookSupport.Cli;
using NotebookSupport.Cli.Commands;
using NotebookSupport.Data;
using NotebookSupport.Hub;
using NotebookSupport.Models;
using NotebookSupport.Tests.Data;
using NotebookSupport.Training;

namespace NotebookSupport.Tests.Training;

/// <summary><c>--group-by-length</c>, <c>--precision</c> and <c>--optimizer</c> of the <c>train</c> and <c>reproduce</c> commands.</summary>
[Collection(RunsAlone.Name)]
public sealed class SpeedOptionsCommandTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = CliApp.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public void TrainWithGroupByLengthAndBFloat16SavesAFloat32ModelAndSaysWhatItUsed() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var data = temp.Combine("pairs.tsv");
        InputExampleTsv.Write(data, SnliPairs.Get(48), 2);
        var output = temp.Combine("model");

        var (exitCode, stdout, stderr) = Run("train", "--model", "random:bert-tiny", "--data", data, "--output", output, "--batch-size", "8",
            "--max-seq-length", "16", "--checkpoint-steps", "0", "--group-by-length", "--precision", "bfloat16", "--no-progress");

        Assert.True(exitCode == 0, stderr + stdout);
        Assert.Contains("batching: length-grouped, precision bfloat16, optimizer FusedAdamW", stdout);
        Assert.Equal(CpuFeatures.HasNativeBFloat16 == false, stderr.Contains("warning: this CPU has no native bfloat16 instructions", StringComparison.Ordinal));
        Assert.DoesNotContain("warning", stdout, StringComparison.Ordinal);
        Assert.Contains("6 steps", stdout);
        Assert.All(SafeTensors.ReadInfo(Path.Combine(output, "model.safetensors")), t => Assert.Equal(TorchSharp.torch.ScalarType.Float32, t.DType));
        Assert.All(TrainingLog.Read(Path.Combine(output, Trainer.LogFileName)).Where(e => e.Loss is not null), e => Assert.True(double.IsFinite(e.Loss!.Value)));
        return 0;
    });

    [Theory]
    [InlineData("train")]
    [InlineData("reproduce")]
    public void AnUnknownPrecisionIsABadArgumentNamingTheOption(string command)
    {
        using var temp = new TrainingTempFolder();
        string[] args = command == "train"
            ? ["train", "--model", "random:bert-tiny", "--data", temp.Combine("pairs.tsv"), "--output", temp.Combine("out"), "--precision", "fp16"]
            : ["reproduce", "--output", temp.Combine("out"), "--precision", "fp16"];

        var (exitCode, _, stderr) = Run(args);

        Assert.Equal(CliApp.BadArguments, exitCode);
        Assert.Contains("--precision: expected float32 or bfloat16, got 'fp16'", stderr);
        Assert.False(Directory.Exists(temp.Combine("out")));
    }

    [Fact]
    public void ACheckpointOfTorchAdamWResumesOnlyWithOptimizerTorch() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var data = temp.Combine("pairs.tsv");
        InputExampleTsv.Write(data, SnliPairs.Get(48), 2);
        string[] Train(params string[] extra) =>
            ["train", "--model", "random:bert-tiny", "--data", data, "--output", temp.Combine("model"), "--batch-size", "8",
             "--max-seq-length", "16", "--checkpoint-steps", "3", "--no-progress", .. extra];

        var first = Run(Train("--optimizer", "torch"));
        Assert.True(first.ExitCode == 0, first.Error + first.Output);
        Assert.Contains("optimizer TorchAdamW", first.Output);

        var wrongKind = Run(Train("--resume"));
        Assert.Equal(1, wrongKind.ExitCode);
        Assert.Contains("holds the state of TorchAdamW", wrongKind.Error);
        Assert.Contains("--optimizer torch", wrongKind.Error);

        var resumed = Run(Train("--resume", "--optimizer", "torch"));
        Assert.True(resumed.ExitCode == 0, resumed.Error + resumed.Output);
        return 0;
    });

    [Fact]
    public void BFloat16OnACpuWithoutBFloat16InstructionsIsWarnedAbout()
    {
        // First lines of /proc/cpuinfo on the machines this project has run on: an AVX2-only AMD EPYC (Zen 3), a Zen 5
        // with AVX512_BF16, an Intel Xeon with AMX.
        const string zen3 = "processor\t: 0\nmodel\t\t: 1\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse sse2 avx fma avx2 bmi2 sha_ni\n";
        const string zen5 = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni\n";
        const string xeon = "processor\t: 0\nflags\t\t: fpu avx2 avx512f amx_bf16 amx_tile\n";
        Assert.Contains("avx2", CpuFeatures.FlagsIn(zen3)!);
        Assert.False(CpuFeatures.HasNativeBFloat16In(CpuFeatures.FlagsIn(zen3)));
        Assert.True(CpuFeatures.HasNativeBFloat16In(CpuFeatures.FlagsIn(zen5)));
        Assert.True(CpuFeatures.HasNativeBFloat16In(CpuFeatures.FlagsIn(xeon)));
        Assert.Null(CpuFeatures.HasNativeBFloat16In(CpuFeatures.FlagsIn("processor\t: 0\n")));
        Assert.Equal("AMD EPYC", CpuFeatures.ModelIn(zen3));
        Assert.Null(CpuFeatures.ModelIn(zen5));

        Assert.Equal("warning: this CPU has no native bfloat16 instructions (avx512_bf16 or amx_bf16): "
                     + "bfloat16 runs emulated, several times slower than float32 here; drop --precision bfloat16",
            CommandOptions.BFloat16Warning(Precision.BFloat16, nativeBFloat16: false));
        Assert.Null(CommandOptions.BFloat16Warning(Precision.BFloat16, nativeBFloat16: true));
        Assert.Null(CommandOptions.BFloat16Warning(Precision.BFloat16, nativeBFloat16: null));
        Assert.Null(CommandOptions.BFloat16Warning(Precision.Float32, nativeBFloat16: false));
    }

    [Fact]
    public void AnUnknownOptimizerIsABadArgumentNamingTheOption()
    {
        using var temp = new TrainingTempFolder();
        var (exitCode, _, stderr) = Run("train", "--model", "random:bert-tiny", "--data", temp.Combine("pairs.tsv"), "--output", temp.Combine("out"),
            "--optimizer", "sgd");
        Assert.Equal(CliApp.BadArguments, exitCode);
        Assert.Contains("--optimizer: expected auto, fused or torch, got 'sgd'", stderr);
    }

    [Fact]
    public void ReproduceReportStatesBatchingPrecisionAndOptimizer() => SingleThreaded.Run(() =>
    {
        using var temp = new TrainingTempFolder();
        var modelFolder = temp.Combine("tiny");
        using (var model = TestModels.Tiny(seed: 3, maxSeqLength: 24))
        {
            SentenceTransformerWriter.Save(model, modelFolder);
        }
        var snli = temp.Combine("snli.csv");
        File.WriteAllLines(snli, File.ReadLines(RepoData.Path("snli", "snli_1.0_dev.csv")).Take(120));
        var sts = temp.Combine("sts.csv");
        File.WriteAllLines(sts, File.ReadLines(RepoData.Path("stsb", "sts-dev.csv")).Take(40));
        var run = temp.Combine("run");

        var (exitCode, stdout, stderr) = Run("reproduce", "--output", run, "--model", modelFolder, "--data", snli, "--sts", sts,
            "--batch-size", "8", "--group-by-length", "--precision", "bfloat16", "--no-progress");

        Assert.True(exitCode == 0, stderr + stdout);
        var report = File.ReadAllText(Path.Combine(run, "report.md"));
        Assert.Contains("| batching | length-grouped (--group-by-length", report);
        Assert.Contains("| precision | bfloat16 mixed precision while training (--precision bfloat16)", report);
        Assert.Contains("| optimizer | AdamW (the library's FusedAdamW)", report);
        Assert.Contains("batching: length-grouped, precision bfloat16, optimizer FusedAdamW", stdout);
        return 0;
    });
}
