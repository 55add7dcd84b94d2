using System.Text.Json.Nodes;

namespace NotebookSupport.Notebooks;

/// <summary>
/// The metadata that makes VS Code (Polyglot Notebooks) and Jupyter open a notebook as C#, and a lint that
/// checks it: kernelspec <c>.net-csharp</c>, language_info, <c>polyglot_notebook.kernelInfo</c> with default
/// kernel <c>csharp</c>, and every code cell's <c>polyglot_notebook.kernelName</c> = <c>csharp</c>.
/// </summary>
public static class NotebookMetadata
{
    /// <summary>The kernel every code cell runs in.</summary>
    public const string KernelName = "csharp";

    /// <summary>Notebook-level metadata as the Polyglot Notebooks extension writes it.</summary>
    public static JsonObject Standard() => new()
    {
        ["kernelspec"] = new JsonObject
        {
            ["display_name"] = ".NET (C#)",
            ["language"] = "C#",
            ["name"] = ".net-csharp",
        },
        ["language_info"] = new JsonObject
        {
            ["file_extension"] = ".cs",
            ["mimetype"] = "text/x-csharp",
            ["name"] = "polyglot-notebook",
            ["pygments_lexer"] = "csharp",
        },
        ["polyglot_notebook"] = new JsonObject
        {
            ["kernelInfo"] = new JsonObject
            {
                ["defaultKernelName"] = KernelName,
                ["items"] = new JsonArray(
                    new JsonObject { ["aliases"] = new JsonArray(), ["languageName"] = "C#", ["name"] = KernelName }),
            },
        },
    };

    /// <summary>Code-cell metadata naming the C# kernel.</summary>
    public static JsonObject CSharpCellMetadata() => new()
    {
        ["polyglot_notebook"] = new JsonObject { ["kernelName"] = KernelName },
    };

    /// <summary>Every way <paramref name="notebook"/> would fail to open as a C# notebook; empty when it is fine.</summary>
    public static IReadOnlyList<string> Lint(NotebookDocument notebook)
    {
        var problems = new List<string>();
        var m = notebook.Metadata;
        void Expect(JsonNode? node, string path, params string[] allowed)
        {
            var value = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
            if (value is null || !allowed.Contains(value))
            {
                problems.Add($"{notebook.Name}: metadata.{path} is {(value is null ? "missing" : $"'{value}'")}; expected {string.Join(" or ", allowed.Select(a => $"'{a}'"))}");
            }
        }

        Expect(m["kernelspec"]?["name"], "kernelspec.name", ".net-csharp");
        Expect(m["kernelspec"]?["language"], "kernelspec.language", "C#");
        if (string.IsNullOrWhiteSpace(m["kernelspec"]?["display_name"]?.ToString()))
        {
            problems.Add($"{notebook.Name}: metadata.kernelspec.display_name is missing; expected e.g. '.NET (C#)'");
        }

        Expect(m["language_info"]?["name"], "language_info.name", "polyglot-notebook", "csharp", "C#");
        var kernelInfo = m["polyglot_notebook"]?["kernelInfo"];
        Expect(kernelInfo?["defaultKernelName"], "polyglot_notebook.kernelInfo.defaultKernelName", KernelName);
        var items = kernelInfo?["items"] as JsonArray;
        if (items is null || !items.Any(i => i?["name"]?.ToString() == KernelName))
        {
            problems.Add($"{notebook.Name}: metadata.polyglot_notebook.kernelInfo.items lacks an item named '{KernelName}'");
        }

        for (var i = 0; i < notebook.Cells.Count; i++)
        {
            var cell = notebook.Cells[i];
            if (string.IsNullOrEmpty(cell.Id))
            {
                problems.Add($"{notebook.Name}: cell {i} has no id (nbformat 4.5 requires one)");
            }

            if (cell.IsCode && cell.Metadata["polyglot_notebook"]?["kernelName"]?.ToString() != KernelName)
            {
                problems.Add($"{notebook.Name}: code cell {i} has metadata.polyglot_notebook.kernelName "
                    + $"'{cell.Metadata["polyglot_notebook"]?["kernelName"]}'; expected '{KernelName}'");
            }
        }

        var ids = notebook.Cells.Where(c => !string.IsNullOrEmpty(c.Id)).GroupBy(c => c.Id).Where(g => g.Count() > 1);
        problems.AddRange(ids.Select(g => $"{notebook.Name}: cell id '{g.Key}' is used {g.Count()} times"));
        return problems;
    }
}
