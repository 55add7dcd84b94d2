using NotebookSupport.Notebooks;

namespace NotebookSupport.Cli.Commands;

/// <summary>
/// <c>run-notebooks [--output DIR | --in-place] [notebooks...]</c>: execute notebooks headlessly in the kernel users
/// start (<see cref="JupyterKernel"/>), the way the notebook tests run them.
/// </summary>
internal static class RunNotebooksCommand
{
    public static Command Create()
    {
        var notebooks = CommandOptions.Notebooks("Notebooks to run (default: every notebooks/*.ipynb).");
        var output = CommandOptions.Output("Folder for the executed copies (default: artifacts/notebooks).", "DIR", required: false);
        var inPlace = new Option<bool>("--in-place") { Description = "Replace the outputs saved in each notebook run with the fresh ones (how the committed outputs are refreshed)." };
        var timeout = CommandOptions.AtLeastOne("--cell-timeout", "Seconds a cell may run before the run fails.", 180);
        var command = new Command("run-notebooks",
            "Build the library the notebooks load, execute them top to bottom in the notebook kernel (dotnet-interactive from "
            + ".config/dotnet-tools.json, driven by jupyter-nbconvert) and write executed copies. Needs `dotnet tool restore` "
            + $"and Debian's Jupyter packages ({JupyterKernel.JupyterInstallCommand}).");
        command.Arguments.Add(notebooks);
        command.Options.Add(output);
        command.Options.Add(inPlace);
        command.Options.Add(timeout);
        command.SetAction((parseResult, cancellationToken) => CliApp.Guard(parseResult, async () =>
        {
            var console = parseResult.InvocationConfiguration.Output;
            var outputFolder = parseResult.GetValue(output);
            var overwrite = parseResult.GetValue(inPlace);
            if (overwrite && outputFolder is not null)
            {
                throw new ArgumentException("--output and --in-place exclude each other; pass one of them.");
            }

            var paths = NotebookFolder.Resolve(parseResult.GetValue(notebooks));
            if (paths.Count == 0)
            {
                throw new FileNotFoundException($"no notebooks (*.ipynb) in {NotebookFolder.Find()}.");
            }
            outputFolder ??= Path.Combine(Path.GetDirectoryName(NotebookFolder.Find())!, "artifacts", "notebooks");

            // Before the build, which takes longer: a missing jupyter-nbconvert or kernel tool fails at once.
            using var kernel = await JupyterKernel.InstallAsync(Path.GetDirectoryName(paths[0])!, cancellationToken);

            // The notebooks #r a library's build output: build it first, so they load the current code (and a
            // missing Debug build never surfaces as a compiler error inside a cell).
            var builds = paths.SelectMany(path => ProjectOutputReference.In(NotebookDocument.Load(path))
                    .Select(reference => (Folder: Path.GetDirectoryName(path)!, Reference: reference)))
                .DistinctBy(b => Path.GetFullPath(Path.Combine(b.Folder, b.Reference.Project)) + "|" + b.Reference.Configuration);
            foreach (var (folder, reference) in builds)
            {
                console.WriteLine($"building {reference.Name} ({reference.Configuration}), which the notebooks load: {reference.BuildCommand(folder)}");
                await reference.BuildAsync(folder, cancellationToken);
            }

            var options = new NotebookRunOptions
            {
                CellTimeout = TimeSpan.FromSeconds(parseResult.GetValue(timeout)),
                CellStarting = (i, _) => console.Write($" {i}"),
            };
            foreach (var path in paths)
            {
                var started = DateTime.UtcNow;
                console.Write($"{Path.GetFileName(path)} in dotnet-interactive {kernel.Version}: cells");
                var run = await kernel.ExecuteAsync(path, options, cancellationToken);
                try
                {
                    run.ThrowOnFailure();
                }
                catch (NotebookCellFailedException)
                {
                    // Ends the " 0 1 2" line, so the error stands on its own line.
                    console.WriteLine();
                    throw;
                }
                // The notebook as it is, with the fresh outputs: the kernel also rewrites the notebook's metadata.
                var notebook = NotebookDocument.Load(path);
                notebook.CopyOutputsFrom(run.Notebook);
                var target = overwrite ? path : Path.Combine(outputFolder, Path.GetFileName(path));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                notebook.Save(target);
                console.WriteLine($" ok in {(DateTime.UtcNow - started).TotalSeconds:0.0} s -> {target}");
            }

            return CliApp.Success;
        }));
        return command;
    }
}
