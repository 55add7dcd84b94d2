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
        var command = new Command("run-notebooks", "Execute notebooks top to bottom in-process (the .NET Interactive C# kernel) and write executed copies.");
        command.Arguments.Add(notebooks);
        command.Options.Add(output);
        command.Options.Add(inPlace);
        command.Options.Add(timeout);
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var outputFolder = parseResult.GetValue(output);
            var overwrite = parseResult.GetValue(inPlace);
            if (overwrite && outputFolder is not null)
            {
                Console.Error.WriteLine("error: --output and --in-place exclude each other; pass one of them.");
                return 2;
            }

            try
            {
                var paths = NotebookFolder.Resolve(parseResult.GetValue(notebooks));
                outputFolder ??= Path.Combine(Path.GetDirectoryName(NotebookFolder.Find())!, "artifacts", "notebooks");
                var options = new NotebookRunOptions
                {
                    CellTimeout = TimeSpan.FromSeconds(parseResult.GetValue(timeout)),
                    CellStarting = (i, _) => Console.Write($" {i}"),
                };
                foreach (var path in paths)
                {
                    var started = DateTime.UtcNow;
                    Console.Write($"{Path.GetFileName(path)}: cells");
                    var notebook = NotebookDocument.Load(path);
                    await NotebookRunner.RunAsync(notebook, Path.GetDirectoryName(path)!, options, cancellationToken);
                    var target = overwrite ? path : Path.Combine(outputFolder, Path.GetFileName(path));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    notebook.Save(target);
                    Console.WriteLine($" ok in {(DateTime.UtcNow - started).TotalSeconds:0.0} s -> {target}");
                }

                return 0;
            }
            catch (Exception e) when (e is NotebookCellFailedException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
            {
                Console.WriteLine();
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
