using NotebookSupport.Notebooks;

namespace NotebookSupport.Cli.Commands;

/// <summary><c>run-notebooks [--output DIR | --in-place] [notebooks...]</c>: execute notebooks headlessly, in-process.</summary>
internal static class RunNotebooksCommand
{
    public static Command Create()
    {
        var notebooks = CommandOptions.Notebooks("Notebooks to run (default: every notebooks/*.ipynb).");
        var output = CommandOptions.Output("Folder for the executed copies (default: artifacts/notebooks).", "DIR", required: false);
        var inPlace = new Option<bool>("--in-place") { Description = "Overwrite each notebook with its executed copy." };
        var timeout = CommandOptions.AtLeastOne("--cell-timeout", "Seconds a cell may run before the run fails.", 180);
        var command = new Command("run-notebooks", "Build the library the notebooks load, execute them top to bottom in-process (the .NET Interactive C# kernel) and write executed copies.");
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
            outputFolder ??= Path.Combine(Path.GetDirectoryName(NotebookFolder.Find())!, "artifacts", "notebooks");

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
                console.Write($"{Path.GetFileName(path)}: cells");
                var notebook = NotebookDocument.Load(path);
                try
                {
                    await NotebookRunner.RunAsync(notebook, Path.GetDirectoryName(path)!, options, cancellationToken);
                }
                catch (NotebookCellFailedException)
                {
                    // Ends the " 0 1 2" line, so the error stands on its own line.
                    console.WriteLine();
                    throw;
                }
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
