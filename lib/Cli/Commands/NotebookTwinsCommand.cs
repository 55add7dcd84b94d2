using NotebookSupport.Notebooks;

namespace NotebookSupport.Cli.Commands;

/// <summary><c>notebook-twins [--check] [notebooks...]</c>: generate or verify the file-based C# twins of the notebooks.</summary>
internal static class NotebookTwinsCommand
{
    public static Command Create()
    {
        var notebooks = CommandOptions.Notebooks("Notebooks (default: every notebooks/*.ipynb).");
        var check = new Option<bool>("--check") { Description = "Write nothing; fail if a twin is missing or differs from a fresh one." };
        var command = new Command("notebook-twins", "Generate notebooks/0N-*.cs, runnable with `dotnet run notebooks/0N-*.cs`, from the notebooks.");
        command.Arguments.Add(notebooks);
        command.Options.Add(check);
        command.SetAction(parseResult => CliApp.Guard(parseResult, () =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var stale = 0;
            foreach (var path in NotebookFolder.Resolve(parseResult.GetValue(notebooks)))
            {
                var twinPath = NotebookTwin.TwinPath(path);
                var twin = NotebookTwin.Generate(NotebookDocument.Load(path));
                var current = File.Exists(twinPath) ? File.ReadAllText(twinPath) : null;
                if (current == twin)
                {
                    output.WriteLine($"{Path.GetFileName(twinPath)}: up to date");
                }
                else if (parseResult.GetValue(check))
                {
                    error.WriteLine($"{twinPath}: {(current is null ? "missing" : "differs from a fresh twin of " + Path.GetFileName(path))}; run notebook-twins");
                    stale++;
                }
                else
                {
                    File.WriteAllText(twinPath, twin);
                    output.WriteLine($"{Path.GetFileName(twinPath)}: written");
                }
            }

            return stale == 0 ? CliApp.Success : CliApp.RuntimeFailure;
        }));
        return command;
    }
}
