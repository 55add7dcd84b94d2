using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NotebookSupport.Notebooks;

/// <summary>
/// Turns a notebook into its "twin": a .NET 10 file-based app (<c>dotnet run notebooks/01-preprocessing.cs</c>)
/// with the same code, so the workbook outlives the deprecated Polyglot Notebooks kernel.
/// <list type="bullet">
/// <item>markdown cells become <c>//</c> comments, in place;</item>
/// <item><c>#r "path/bin/Debug/net10.0/X.dll"</c> becomes <c>#:project path/X.csproj</c> and
/// <c>#r "nuget: Id, Version"</c> becomes <c>#:package Id@Version</c>, hoisted to the top as directives must be;</item>
/// <item>the twin makes its own folder the working directory, as the notebook kernel does, so relative paths agree;</item>
/// <item><c>using</c> directives move to the top and type declarations to the end, as C# requires of top-level programs;</item>
/// <item>a cell's trailing expression (which the kernel displays) becomes <c>display(expression);</c>, served by
/// <c>NotebookSupport.Plotting.ConsoleDisplay</c>.</item>
/// </list>
/// </summary>
public static partial class NotebookTwin
{
    /// <summary>The twin's file name: the notebook's with <c>.cs</c> instead of <c>.ipynb</c>.</summary>
    public static string TwinPath(string notebookPath) => Path.ChangeExtension(notebookPath, ".cs");

    /// <summary>The twin's source text for <paramref name="notebook"/>.</summary>
    /// <exception cref="InvalidDataException">A cell has a <c>#r</c> the twin cannot express or C# that does not parse; the message names the cell.</exception>
    public static string Generate(NotebookDocument notebook)
    {
        var directives = new List<string>();
        var usings = new List<string>();
        var body = new StringBuilder();
        var types = new StringBuilder();
        for (var i = 0; i < notebook.Cells.Count; i++)
        {
            var cell = notebook.Cells[i];
            if (!cell.IsCode)
            {
                if (cell.CellType == "markdown" && !string.IsNullOrWhiteSpace(cell.Source))
                {
                    foreach (var line in cell.Source.TrimEnd().ReplaceLineEndings("\n").Split('\n'))
                    {
                        body.Append(line.Length == 0 ? "//" : "// " + line).Append('\n');
                    }

                    body.Append('\n');
                }

                continue;
            }

            var code = new StringBuilder();
            foreach (var line in cell.Source.ReplaceLineEndings("\n").Split('\n'))
            {
                if (line.TrimStart().StartsWith("#r ", StringComparison.Ordinal))
                {
                    AddDistinct(directives, Directive(line.Trim(), notebook.Name, i));
                }
                else if (line.TrimStart().StartsWith("#!", StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"{notebook.Name}: cell {i}: magic command '{line.Trim()}' has no file-based equivalent; remove it from the notebook.");
                }
                else
                {
                    code.Append(line).Append('\n');
                }
            }

            Translate(code.ToString(), notebook.Name, i, usings, body, types);
        }

        var text = new StringBuilder();
        text.Append($"// Generated from {notebook.Name} by `notebook-twins`; edit the notebook and regenerate, not this file.\n");
        text.Append($"// Run from the repository root: dotnet run notebooks/{Path.ChangeExtension(notebook.Name, ".cs")}\n");
        // Reflection-based code (System.Text.Json, TorchSharp's module discovery) needs the JIT, so no AOT.
        text.Append("#:property PublishAot=false\n");
        foreach (var directive in directives)
        {
            text.Append(directive).Append('\n');
        }

        text.Append('\n');
        AddDistinct(usings, "using static NotebookSupport.Plotting.ConsoleDisplay;");
        foreach (var u in usings)
        {
            text.Append(u).Append('\n');
        }

        text.Append('\n');
        text.Append("// A notebook runs in its own folder; so does its twin, wherever `dotnet run` starts, so relative paths agree.\n");
        text.Append("Directory.SetCurrentDirectory((string)AppContext.GetData(\"EntryPointFileDirectoryPath\")!);\n\n");
        text.Append(body.ToString().TrimEnd('\n')).Append('\n');
        if (types.Length > 0)
        {
            text.Append('\n').Append(types.ToString().TrimEnd('\n')).Append('\n');
        }

        return text.ToString();
    }

    private static void Translate(string code, string notebookName, int cellIndex, List<string> usings, StringBuilder body, StringBuilder types)
    {
        var tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script));
        var errors = tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            var first = errors[0];
            var line = first.Location.GetLineSpan().StartLinePosition;
            throw new InvalidDataException($"{notebookName}: cell {cellIndex}, line {line.Line + 1}, column {line.Character + 1}: {first.GetMessage()}");
        }

        var root = (CompilationUnitSyntax)tree.GetRoot();
        // The kernel's own namespaces serve only the cell's display() of the kernel (see IsKernelDisplay); the twin
        // has the console stand-in instead.
        foreach (var u in root.Usings.Where(u => u.Name?.ToString().StartsWith(KernelNamespace, StringComparison.Ordinal) != true))
        {
            AddDistinct(usings, u.WithoutTrivia().ToFullString());
        }

        var members = root.Members;
        for (var m = 0; m < members.Count; m++)
        {
            var member = members[m];
            var isLast = m == members.Count - 1;
            if (IsKernelDisplay(member))
            {
                continue;
            }

            if (member is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax)
            {
                types.Append(member.ToFullString().Trim('\n')).Append("\n\n");
            }
            else if (isLast && member is GlobalStatementSyntax { Statement: ExpressionStatementSyntax expression } && expression.SemicolonToken.IsMissing)
            {
                body.Append(expression.GetLeadingTrivia().ToFullString().TrimStart('\n'))
                    .Append($"display({expression.Expression.WithoutTrivia().ToFullString()});\n");
            }
            else
            {
                body.Append(member.ToFullString().TrimStart('\n').TrimEnd()).Append('\n');
            }
        }

        body.Append('\n');
    }

    // A notebook's own display(...) function, written against the kernel (the released kernel's display() cannot
    // update what it shows), is left out together with its comment: the twin's display is ConsoleDisplay.display.
    private static bool IsKernelDisplay(MemberDeclarationSyntax member) =>
        member is MethodDeclarationSyntax { Identifier.Text: "display" }
            or GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax { Identifier.Text: "display" } };

    private const string KernelNamespace = "Microsoft.DotNet.Interactive";

    private static string Directive(string line, string notebookName, int cellIndex)
    {
        var nuget = NugetReference().Match(line);
        if (nuget.Success)
        {
            return nuget.Groups["version"].Success
                ? $"#:package {nuget.Groups["id"].Value}@{nuget.Groups["version"].Value}"
                : $"#:package {nuget.Groups["id"].Value}";
        }

        if (ProjectOutputReference.Parse(line) is { } reference)
        {
            return $"#:project {reference.Project}";
        }

        throw new InvalidDataException($"{notebookName}: cell {cellIndex}: cannot translate '{line}'; expected #r \"nuget: Id, Version\" or #r \"<project folder>/bin/<Configuration>/<tfm>/<Name>.dll\".");
    }

    private static void AddDistinct(List<string> list, string item)
    {
        if (!list.Contains(item))
        {
            list.Add(item);
        }
    }

    [GeneratedRegex("""^#r\s+"nuget:\s*(?<id>[^,"\s]+)\s*(,\s*(?<version>[^"\s]+))?\s*"$""")]
    private static partial Regex NugetReference();
}
