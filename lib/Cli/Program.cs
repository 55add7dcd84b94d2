using System.CommandLine;
using NotebookSupport.Cli.Commands;

var root = new RootCommand("Train and evaluate sentence transformers with Multiple Negatives Ranking loss (TorchSharp).");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}
return await root.Parse(args).InvokeAsync();
