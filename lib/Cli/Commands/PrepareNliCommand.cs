namespace NotebookSupport.Cli.Commands;

/// <summary>
/// <c>prepare-nli</c>: the tutorial's NLI preprocessing as one command — load SNLI/MultiNLI files, keep
/// premise/hypothesis/label, cast to one schema, concatenate, drop rows without gold label, extract
/// (anchor, positive) pairs or (anchor, positive, negative) triplets and write them as TSV
/// (see <see cref="InputExampleTsv"/>), printing counts per source and label and every dropped row's reason.
/// </summary>
internal static class PrepareNliCommand
{
    public static Command Create()
    {
        var input = new Option<string[]>("--input")
        {
            Description = "NLI files to read (parquet, jsonl, tsv, csv, AllNLI tsv.gz; gzip allowed). Repeat or list several.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = CommandOptions.Output(
            "The TSV to write: UTF-8, header 'anchor<TAB>positive' (or 'anchor<TAB>positive<TAB>negative' with --triplets), one example per line, no quoting.",
            "FILE");
        var triplets = new Option<bool>("--triplets")
        {
            Description = "Write (anchor, positive, hard negative) triplets from entailment + contradiction rows sharing a premise, instead of (anchor, positive) pairs.",
        };
        var format = CommandOptions.Choice("--format", "The format of every input: auto (from the file name), parquet, jsonl, tsv (GLUE MNLI), csv, allnli.",
            NliFormat.Auto, ("auto", NliFormat.Auto), ("parquet", NliFormat.Parquet), ("jsonl", NliFormat.Jsonl), ("tsv", NliFormat.Tsv),
            ("csv", NliFormat.Csv), ("allnli", NliFormat.AllNli));
        var command = new Command("prepare-nli", "Turn SNLI/MultiNLI files into anchor/positive(/negative) TSV for Multiple Negatives Ranking loss.")
        {
            input, output, triplets, format,
        };
        command.SetAction(parseResult => CliApp.Guard(parseResult, () => Run(
            parseResult.GetValue(input)!, parseResult.GetValue(output)!, parseResult.GetValue(triplets), parseResult.GetValue(format),
            parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error)));
        return command;
    }

    private static int Run(string[] inputs, string outputPath, bool triplets, NliFormat format, TextWriter stdout, TextWriter stderr)
    {
        var datasets = new List<NliDataset>();
        foreach (var path in inputs)
        {
            var progress = new ImmediateProgress(p => stderr.Write($"\r{p.File}: {p.Rows:N0} rows ({p.Fraction:P0})   "));
            var dataset = NliLoader.Load(path, format, progress);
            stderr.WriteLine();
            stdout.WriteLine($"{path}: {dataset.RowCount:N0} rows, {dataset.CountLabels()}");
            foreach (var (reason, count) in dataset.Skipped)
            {
                stdout.WriteLine($"  skipped {count:N0} rows: {reason}");
            }

            var extras = dataset.ColumnNames.Where(c => NliFeatures.Standard.Find(c) is null).ToArray();
            datasets.Add(dataset.RemoveColumns(extras).Cast(NliFeatures.Standard));
        }

        var all = NliDataset.Concatenate([.. datasets]);
        var labelled = all.Filter(row => row.Label != NliLabel.None);
        stdout.WriteLine($"all: {all.RowCount:N0} rows, {all.CountLabels()}");
        stdout.WriteLine($"  dropped {all.RowCount - labelled.RowCount:N0} rows: no gold label (-1)");
        var examples = triplets ? labelled.ToTriplets() : labelled.ToPairs();
        foreach (var (reason, count) in examples.Dropped)
        {
            stdout.WriteLine($"  dropped {count:N0} rows: {reason}");
        }

        var replaced = InputExampleTsv.Write(outputPath, examples.Examples, triplets ? 3 : 2);
        stdout.WriteLine($"wrote {examples.Examples.Count:N0} {(triplets ? "triplets" : "pairs")} to {outputPath}");
        if (replaced > 0)
        {
            stdout.WriteLine($"  {replaced:N0} sentences had tabs or line breaks, written as spaces");
        }

        return CliApp.Success;
    }

    /// <summary>Reports on the loading thread, so progress lines never arrive after the counts.</summary>
    private sealed class ImmediateProgress(Action<NliLoadProgress> report) : IProgress<NliLoadProgress>
    {
        public void Report(NliLoadProgress value) => report(value);
    }
}
