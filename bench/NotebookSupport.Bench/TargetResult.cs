namespace NotebookSupport.Bench;

/// <summary>What one benchmark target measured: a markdown table and a verdict against the issue's target.</summary>
internal sealed class TargetResult(string key, string title, string goal)
{
    public string Key { get; } = key;

    public string Title { get; } = title;

    /// <summary>The target as the issue states it.</summary>
    public string Goal { get; } = goal;

    public List<string[]> Rows { get; } = [];

    public string[] Header { get; set; } = ["measurement", "value"];

    public List<string> Notes { get; } = [];

    /// <summary>One line per checked condition: the ratio or difference, and whether the target holds.</summary>
    public List<(string Text, bool Met)> Verdicts { get; } = [];

    public void Row(params string[] cells)
    {
        Rows.Add(cells);
        Console.WriteLine("   " + string.Join(" | ", cells));
    }

    public void Verdict(string text, bool met)
    {
        Verdicts.Add((text, met));
        Console.WriteLine($"   => {(met ? "MET" : "MISSED")}: {text}");
    }

    public void Note(string text)
    {
        Notes.Add(text);
        Console.WriteLine("   note: " + text);
    }

    public string ToMarkdown()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"### {Title} [{Machine.Tag}]").AppendLine();
        sb.AppendLine($"Target: {Goal}").AppendLine();
        sb.AppendLine("| " + string.Join(" | ", Header) + " |");
        sb.AppendLine("|" + string.Concat(Header.Select(_ => "---|")));
        foreach (var row in Rows)
        {
            sb.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        sb.AppendLine();
        foreach (var (text, met) in Verdicts)
        {
            sb.AppendLine($"- **{(met ? "met" : "missed")}**: {text}");
        }

        foreach (var note in Notes)
        {
            sb.AppendLine($"- {note}");
        }

        return sb.ToString();
    }
}
