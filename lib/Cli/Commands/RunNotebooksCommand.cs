using System.CommandLine;
using NotebookSupport.Notebooks;

namespace NotebookSupport.Cli.Commands;

/// <summary><c>run-notebooks [--output DIR | --in-place] [notebooks...]</c>: execute notebooks headlessly, in-process.</summary>
internal static class RunNotebooksCommand
{
    public static Command Create()
    {
        var notebooks = new Argument<string[]>("notebooks") { Description = "Notebooks to run (default: every notebooks/*.ipynb).", Arity = ArgumentArity.ZeroOrMore };
        var output = new Option<string?>("--output") { Description = "Folder for the executed copies (default: artifacts/notebooks)." };
        var inPlace = new Option<bool>("--in-place") { Description = "Overwrite each notebook with its executed copy." };
        var timeout = new Option<int>("--cell-timeout") { Description = "Seconds a cell may run before the run fails.", DefaultValueFactory = _ => 180 };
        var command = new Command("run-notebooks", "Build the library the notebooks load, execute them top to bottom in-process (the .NET Interactive C# kernel) and write executed copies.");
        command.Arguments.Add(notebooks);
        command.Options.Add(output);
        command.Options.Add(inPlace);
        command.Options.Add(timeout);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var console = parseResult.InvocationConfiguration.Output;
            var errors = parseResult.InvocationConfiguration.Error;
            var outputFolder = parseResult.GetValue(output);
            var overwrite = parseResult.GetValue(inPlace);
            if (overwrite && outputFolder is not null)
            {
                errors.WriteLine("error: --output and --in-place exclude each other; pass one of them.");
                return 2;
            }

            try
            {
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
                    await NotebookRunner.RunAsync(notebook, Path.GetDirectoryName(path)!, options, cancellationToken);
                    var target = overwrite ? path : Path.Combine(outputFolder, Path.GetFileName(path));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    notebook.Save(target);
                    console.WriteLine($" ok in {(DateTime.UtcNow - started).TotalSeconds:0.0} s -> {target}");
                }

                return 0;
            }
            catch (Exception e) when (e is NotebookCellFailedException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException)
            {
                console.WriteLine();
                errors.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
