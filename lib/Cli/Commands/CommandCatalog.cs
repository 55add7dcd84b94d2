namespace NotebookSupport.Cli.Commands;

/// <summary>Every subcommand of the CLI; each lives in its own file and exposes <c>Create()</c>.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All() =>
    [
        EncodeCommand.Create(),
        EvaluateCommand.Create(),
        PrepareNliCommand.Create(),
        MineNegativesCommand.Create(),
        TrainCommand.Create(),
        RunNotebooksCommand.Create(),
        NotebookTwinsCommand.Create(),
        HeatmapCommand.Create(),
        ReproduceCommand.Create(),
    ];
}
