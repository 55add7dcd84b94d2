using NotebookSupport.Hub;
using NotebookSupport.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NotebookSupport.Tests.Training;

public sealed class FusedAdamWTests
{
    // TorchSharp's optim.AdamW is the reference: the fused update must follow it step for step, with and without
    // weight decay, through several steps (bias corrections change), on sizes that use the SIMD, tail and threaded paths.
    [Theory]
    [InlineData(7)]
    [InlineData(1000)]
    [InlineData(300_001)]
    public void Matches_torch_AdamW_over_several_steps(int size)
    {
        manual_seed(3);
        using var initialDecayed = randn(size);
        using var initialPlain = randn(size);
        var fusedDecayed = new Parameter(initialDecayed.clone());
        var fusedPlain = new Parameter(initialPlain.clone());
        var torchDecayed = new Parameter(initialDecayed.clone());
        var torchPlain = new Parameter(initialPlain.clone());
        var fused = new FusedAdamW([Group(fusedDecayed, 0.01), Group(fusedPlain, 0.0)], lr: 1e-2);
        using var reference = optim.AdamW(new[]
        {
            new AdamW.ParamGroup([torchDecayed], 1e-2, 0.9, 0.999, 1e-8, 0.01, false, false),
            new AdamW.ParamGroup([torchPlain], 1e-2, 0.9, 0.999, 1e-8, 0.0, false, false),
        }, 1e-2);
        for (int step = 0; step < 5; step++)
        {
            double lr = 1e-2 * (step + 1) / 5;   // a schedule: the rate may change between steps
            foreach (var g in fused.ParamGroups.Concat(reference.ParamGroups))
            {
                g.LearningRate = lr;
            }

            using var gradDecayed = randn(size) * (step + 1);
            using var gradPlain = randn(size);
            foreach (var (p, g) in new[] { (fusedDecayed, gradDecayed), (torchDecayed, gradDecayed), (fusedPlain, gradPlain), (torchPlain, gradPlain) })
            {
                p.grad = g.clone();
            }
            fused.step();
            reference.step();
        }
        Assert.Equal(5, fused.StepCount);
        AssertClose(torchDecayed, fusedDecayed);
        AssertClose(torchPlain, fusedPlain);
    }

    [Fact]
    public void Skips_parameters_without_gradient_and_ZeroGrad_clears()
    {
        var withGrad = new Parameter(ones(4));
        var without = new Parameter(ones(4));
        var fused = new FusedAdamW([withGrad, without], lr: 0.1);
        withGrad.grad = ones(4);
        fused.step();
        // First AdamW step moves by lr * sign(g) (m / sqrt(v) = 1 after bias correction, up to eps).
        Assert.Equal(0.9f, withGrad[0].item<float>(), 5);
        Assert.Equal(1f, without[0].item<float>());
        fused.zero_grad();
        Assert.Null(withGrad.grad);
    }

    [Fact]
    public void A_parameter_that_misses_gradients_counts_its_own_steps_as_torch_does()
    {
        // The second parameter has no gradient in the first two steps: its bias correction starts at its own step 1.
        manual_seed(5);
        using var initial = randn(2, 50);
        var fused = new[] { new Parameter(initial[0].clone()), new Parameter(initial[1].clone()) };
        var reference = new[] { new Parameter(initial[0].clone()), new Parameter(initial[1].clone()) };
        var optimizer = new FusedAdamW(fused, lr: 1e-2, weight_decay: 0.01);
        using var torchAdamW = optim.AdamW(reference, lr: 1e-2, weight_decay: 0.01);
        for (int step = 0; step < 5; step++)
        {
            using var g0 = randn(50);
            using var g1 = randn(50);
            fused[0].grad = g0.clone();
            reference[0].grad = g0.clone();
            fused[1].grad = step < 2 ? null : g1.clone();
            reference[1].grad = step < 2 ? null : g1.clone();
            optimizer.step();
            torchAdamW.step();
        }
        AssertClose(reference[0], fused[0]);
        AssertClose(reference[1], fused[1]);
    }

    [Fact]
    public void Saved_state_resumes_bit_for_bit_and_wrong_files_are_rejected_by_name()
    {
        manual_seed(8);
        using var initial = randn(3, 1000);
        using var grads = randn(10, 3, 1000);
        Parameter[] Clone() => [new Parameter(initial[0].clone()), new Parameter(initial[1].clone()), new Parameter(initial[2].view(10, 100).clone())];
        FusedAdamW Optimizer(Parameter[] p) => new([Group(p[0], 0.01), Group(p[1], 0.0), Group(p[2], 0.01)], lr: 1e-2);
        void Train(FusedAdamW optimizer, Parameter[] p, int from, int to)
        {
            for (int step = from; step < to; step++)
            {
                foreach (var g in optimizer.ParamGroups)
                {
                    g.LearningRate = 1e-2 * (10 - step) / 10;
                }

                p[0].grad = grads[step, 0].clone();
                p[1].grad = step < 3 ? null : grads[step, 1].clone();   // state appears late for one parameter
                p[2].grad = grads[step, 2].view(10, 100).clone();
                optimizer.step();
                optimizer.zero_grad();
            }
        }

        var straight = Clone();
        Train(Optimizer(straight), straight, 0, 10);

        using var temp = new TrainingTempFolder();
        var first = Clone();
        var before = Optimizer(first);
        Train(before, first, 0, 2);
        var path = temp.Combine("optimizer.safetensors");
        before.SaveState(path);
        // Two steps in, the late parameter has no state yet; the file says so by leaving it out.
        Assert.DoesNotContain(SafeTensors.ReadInfo(path), t => t.Name.StartsWith("state.1.", StringComparison.Ordinal));
        Assert.Contains(SafeTensors.ReadInfo(path), t => t.Name == "state.2.exp_avg" && t.Shape.SequenceEqual([10L, 100L]));

        var resumed = new[] { new Parameter(first[0].detach().clone()), new Parameter(first[1].detach().clone()), new Parameter(first[2].detach().clone()) };
        var after = Optimizer(resumed);
        after.LoadState(path);
        Assert.Equal(2, after.StepCount);
        Train(after, resumed, 2, 10);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(straight[i].eq(resumed[i]).all().item<bool>(), $"parameter {i} differs from the uninterrupted run");
        }

        var otherShapes = Optimizer([new Parameter(zeros(1000)), new Parameter(zeros(1000)), new Parameter(zeros(1000))]);
        var shape = Assert.Throws<InvalidDataException>(() => otherShapes.LoadState(path));
        Assert.Contains(path, shape.Message);
        Assert.Contains("state.2.exp_avg", shape.Message);

        var fewer = new FusedAdamW([new Parameter(zeros(1000))]);
        var extra = Assert.Throws<InvalidDataException>(() => fewer.LoadState(path));
        Assert.Contains("state.2.", extra.Message);
        Assert.Contains("1 parameters", extra.Message);
    }

    [Fact]
    public void A_state_file_from_before_parameter_groups_resumes_a_single_group_and_is_refused_by_name_otherwise()
    {
        // Such files number the parameters in the order the optimizer got them; with one group, that is still the order.
        manual_seed(9);
        using var initial = randn(2, 300);
        using var grads = randn(6, 2, 300);
        Parameter[] Clone() => [new Parameter(initial[0].clone()), new Parameter(initial[1].clone())];
        void Train(FusedAdamW optimizer, Parameter[] p, int from, int to) => TrainSteps(optimizer, p, grads, from, to);

        var straight = Clone();
        Train(new FusedAdamW(straight, lr: 1e-2, weight_decay: 0.01), straight, 0, 6);

        using var temp = new TrainingTempFolder();
        var first = Clone();
        var before = new FusedAdamW(first, lr: 1e-2, weight_decay: 0.01);
        Train(before, first, 0, 3);
        var path = temp.Combine("optimizer.safetensors");
        before.SaveState(path);
        var entries = SafeTensors.Load(path);
        entries.Remove("param_group_sizes", out var sizes);
        sizes!.Dispose();
        SafeTensors.Save(entries, path, new Dictionary<string, string> { ["optimizer"] = "FusedAdamW", ["parameters"] = "2" });
        foreach (var t in entries.Values)
        {
            t.Dispose();
        }

        var resumed = new[] { new Parameter(first[0].detach().clone()), new Parameter(first[1].detach().clone()) };
        var after = new FusedAdamW(resumed, lr: 1e-2, weight_decay: 0.01);
        after.LoadState(path);
        Assert.Equal(3, after.StepCount);
        Train(after, resumed, 3, 6);
        for (int i = 0; i < 2; i++)
        {
            Assert.True(straight[i].eq(resumed[i]).all().item<bool>(), $"parameter {i} differs from the uninterrupted run");
        }

        var grouped = new FusedAdamW([Group(new Parameter(zeros(300)), 0.01), Group(new Parameter(zeros(300)), 0.0)]);
        var error = Assert.Throws<InvalidDataException>(() => grouped.LoadState(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("param_group_sizes", error.Message);
        Assert.Equal(0, grouped.StepCount);
    }

    [Fact]
    public void A_state_file_from_before_parameter_groups_resumes_several_groups_given_the_order_it_numbered_them_in()
    {
        // Fit listed the model's parameters in model order: a (decayed), b (not decayed), c (decayed). The groups now
        // hold [a, c] and [b]; the old file numbered them 0 = a, 1 = b, 2 = c.
        manual_seed(10);
        using var initial = randn(3, 200);
        using var grads = randn(6, 3, 200);
        Parameter[] Clone() => [.. Enumerable.Range(0, 3).Select(i => new Parameter(initial[i].clone()))];
        FusedAdamW Grouped(Parameter[] p) => new([
            new AdamW.ParamGroup([p[0], p[2]], new AdamW.Options { LearningRate = 1e-2, weight_decay = 0.01 }),
            new AdamW.ParamGroup([p[1]], new AdamW.Options { LearningRate = 1e-2, weight_decay = 0.0 })]);
        void Train(FusedAdamW optimizer, Parameter[] p, int from, int to) => TrainSteps(optimizer, p, grads, from, to);

        var straight = Clone();
        Train(Grouped(straight), straight, 0, 6);

        using var temp = new TrainingTempFolder();
        var first = Clone();
        var before = Grouped(first);
        Train(before, first, 0, 3);
        var path = temp.Combine("optimizer.safetensors");
        before.SaveState(path);
        var entries = SafeTensors.Load(path);
        entries.Remove("param_group_sizes", out var sizes);
        sizes!.Dispose();
        int[] groupIndexToModelOrder = [0, 2, 1];
        var old = entries.ToDictionary(
            e => e.Key.StartsWith("state.", StringComparison.Ordinal)
                ? $"state.{groupIndexToModelOrder[int.Parse(e.Key.Split('.')[1], System.Globalization.CultureInfo.InvariantCulture)]}.{e.Key.Split('.')[2]}"
                : e.Key,
            e => e.Value);
        SafeTensors.Save(old, path, new Dictionary<string, string> { ["optimizer"] = "FusedAdamW", ["parameters"] = "3" });
        foreach (var t in entries.Values)
        {
            t.Dispose();
        }

        var resumed = first.Select(p => new Parameter(p.detach().clone())).ToArray();
        var refused = Grouped(resumed);
        Assert.Contains("param_group_sizes", Assert.Throws<InvalidDataException>(() => refused.LoadState(path)).Message);
        var after = Grouped(resumed);
        after.LoadState(path, givenOrder: resumed);
        Assert.Equal(3, after.StepCount);
        Train(after, resumed, 3, 6);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(straight[i].eq(resumed[i]).all().item<bool>(), $"parameter {i} differs from the uninterrupted run");
        }
    }

    [Fact]
    public void Linear_schedule_drives_its_learning_rate()
    {
        var optimizer = new FusedAdamW([new Parameter(ones(3))], lr: 2e-5);
        var schedule = new LinearScheduleWithWarmup(optimizer, warmupSteps: 10, totalSteps: 110);
        Assert.Equal(0.0, optimizer.ParamGroups.Single().LearningRate);
        for (int i = 0; i < 5; i++)
        {
            schedule.Step();
        }

        Assert.Equal(1e-5, optimizer.ParamGroups.Single().LearningRate, 1e-15);
        schedule.LastStep = 60;
        Assert.Equal(1e-5, schedule.LearningRate, 1e-15);
        schedule.LastStep = 110;
        Assert.Equal(0.0, optimizer.ParamGroups.Single().LearningRate);
    }

    [Fact]
    public void Rejects_non_float32_parameters()
    {
        var half = new Parameter(ones(4, dtype: ScalarType.BFloat16));
        var error = Assert.Throws<ArgumentException>(() => new FusedAdamW([half]));
        Assert.Contains("float32", error.Message);
    }

    [Fact]
    public void Rejects_a_parameter_listed_twice()
    {
        var p = new Parameter(ones(4));
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new FusedAdamW([p, p])).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new FusedAdamW([Group(p, 0.01), Group(p, 0.0)])).Message);
    }

    // Steps from..to-1 with grads[step, i] as parameter i's gradient.
    private static void TrainSteps(FusedAdamW optimizer, Parameter[] parameters, Tensor grads, int from, int to)
    {
        for (var step = from; step < to; step++)
        {
            for (var i = 0; i < parameters.Length; i++)
            {
                parameters[i].grad = grads[step, i].clone();
            }
            optimizer.step();
            optimizer.zero_grad();
        }
    }

    private static AdamW.ParamGroup Group(Parameter parameter, double weightDecay) => new([parameter], new AdamW.Options { weight_decay = weightDecay });

    private static void AssertClose(Tensor expected, Tensor actual)
    {
        double maxDiff = (expected - actual).abs().max().item<float>();
        double scale = expected.abs().max().item<float>();
        Assert.True(maxDiff <= 1e-6 * Math.Max(1, scale), $"max |difference| {maxDiff:E2} (scale {scale:F3})");
    }
}
