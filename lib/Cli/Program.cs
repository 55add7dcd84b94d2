return NotebookSupport.Cli.CliApp.Run(args);
