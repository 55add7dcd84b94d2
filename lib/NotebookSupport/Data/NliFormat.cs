namespace NotebookSupport.Data;

/// <summary>The NLI file formats <see cref="NliLoader"/> reads. Any text format may be gzip-compressed.</summary>
public enum NliFormat
{
    /// <summary>Decide from the file name, and for <c>.tsv</c> from the header line.</summary>
    Auto,

    /// <summary>Hugging Face parquet (<c>stanfordnlp/snli</c>, <c>nyu-mll/glue</c> mnli): premise, hypothesis, label (int), extras such as idx.</summary>
    Parquet,

    /// <summary>The original SNLI 1.0 / MultiNLI 1.0 <c>.jsonl</c>: sentence1, sentence2, gold_label ("-" for none), captionID/genre/pairID/promptID.</summary>
    Jsonl,

    /// <summary>GLUE MNLI <c>.tsv</c> (unquoted, tab-separated, header): index, promptID, pairID, genre, ..., sentence1, sentence2, ..., gold_label.</summary>
    Tsv,

    /// <summary>RFC 4180 CSV with a header, like <c>data/snli/*.csv</c>: similarity (the gold label string), sentence1, sentence2.</summary>
    Csv,

    /// <summary>sentence-transformers' <c>AllNLI.tsv.gz</c>: split, dataset, filename, sentence1, sentence2, label (strings).</summary>
    AllNli,
}
