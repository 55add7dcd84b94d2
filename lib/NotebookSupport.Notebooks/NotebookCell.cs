using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace NotebookSupport.Notebooks;

/// <summary>One cell of a notebook: markdown prose or C# code, with the outputs of its last run.</summary>
public sealed partial class NotebookCell
{
    /// <summary>Creates a cell; code cells default to the <c>csharp</c> kernel.</summary>
    public NotebookCell(string cellType, string source, string? id = null)
    {
        if (cellType is not ("code" or "markdown" or "raw"))
        {
            throw new ArgumentException($"Unknown cell type '{cellType}'; expected code, markdown or raw.", nameof(cellType));
        }

        CellType = cellType;
        Source = source;
        Id = id;
    }

    /// <summary>nbformat 4.5 cell id (letters, digits, '-' and '_'), stable across runs.</summary>
    public string? Id { get; set; }

    /// <summary><c>code</c>, <c>markdown</c> or <c>raw</c>.</summary>
    public string CellType { get; }

    /// <summary>The cell's text, lines joined by '\n'.</summary>
    public string Source { get; set; }

    /// <summary>The cell's metadata (for code cells <c>polyglot_notebook.kernelName</c>).</summary>
    public JsonObject Metadata { get; set; } = [];

    /// <summary>nbformat output objects of the last run (code cells only).</summary>
    public List<JsonObject> Outputs { get; } = [];

    /// <summary>The execution counter of the last run, or null when never run.</summary>
    public int? ExecutionCount { get; set; }

    /// <summary>Whether this is a code cell.</summary>
    public bool IsCode => CellType == "code";

    /// <summary>The kernel that runs the cell: <c>polyglot_notebook.kernelName</c>, else <c>dotnet_interactive.language</c>.</summary>
    public string? KernelName =>
        Metadata["polyglot_notebook"]?["kernelName"]?.GetValue<string>()
        ?? Metadata["dotnet_interactive"]?["language"]?.GetValue<string>();

    /// <summary>
    /// The visible text of each output: streams as written, else the plain-text form, else the HTML (an SVG figure's
    /// labels included) without style and script blocks, each tag read as a space and entities decoded.
    /// </summary>
    public IEnumerable<string> OutputTexts() => Outputs.Select(o =>
        o["text"] is { } text ? NotebookDocument.JoinText(text)
        : o["data"]?["text/plain"] is { } plain ? NotebookDocument.JoinText(plain)
        : WebUtility.HtmlDecode(Tag().Replace(Hidden().Replace(NotebookDocument.JoinText(o["data"]?["text/html"]), ""), " ")).Trim());

    /// <summary>A markdown cell.</summary>
    public static NotebookCell Markdown(string source) => new("markdown", source);

    /// <summary>A C# code cell with the kernel metadata VS Code's Polyglot Notebooks extension writes.</summary>
    public static NotebookCell Code(string source)
    {
        var cell = new NotebookCell("code", source);
        cell.Metadata = NotebookMetadata.CSharpCellMetadata();
        return cell;
    }

    [GeneratedRegex("<(style|script)\\b.*?</\\1>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Hidden();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();
}
