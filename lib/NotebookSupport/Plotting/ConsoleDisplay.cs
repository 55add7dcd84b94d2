namespace NotebookSupport.Plotting;

/// <summary>
/// Console stand-ins for the notebook kernel's <c>display(...)</c>, so a notebook's code runs unchanged as a
/// file-based app (<c>dotnet run notebooks/01-preprocessing.cs</c>). The generated twins start with
/// <c>using static NotebookSupport.Plotting.ConsoleDisplay;</c>. Text is printed; a <see cref="Figure"/> is saved
/// as an SVG file under <see cref="OutputFolder"/> and its path printed.
/// </summary>
public static class ConsoleDisplay
{
    private static int _figureCount;

    /// <summary>Where figures are written; defaults to <c>artifacts/figures</c> under the current directory (the repository root when run as documented).</summary>
    public static string OutputFolder { get; set; } = Path.Combine("artifacts", "figures");

    /// <summary>Shows <paramref name="value"/> and returns a handle whose <see cref="ConsoleDisplayedValue.Update"/> rewrites it.</summary>
#pragma warning disable IDE1006 // lower case, to match the kernel's helper that notebook cells call
    public static ConsoleDisplayedValue display(object? value)
#pragma warning restore IDE1006
    {
        var shown = new ConsoleDisplayedValue();
        shown.Update(value);
        return shown;
    }

    internal static string Describe(object? value) => value switch
    {
        null => "<null>",
        string text => text,
        Figure figure => Save(figure),
        // The kernel shows sequences as tables; one item per line is the console's equivalent.
        System.Collections.IEnumerable items => string.Join(Environment.NewLine, items.Cast<object?>().Select(item => item?.ToString() ?? "<null>")),
        _ => value.ToString() ?? "",
    };

    private static string Save(Figure figure)
    {
        Directory.CreateDirectory(OutputFolder);
        var name = new string(figure.Title.Select(c => char.IsLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-');
        var path = Path.Combine(OutputFolder, $"{Interlocked.Increment(ref _figureCount):00}-{name}.svg");
        figure.Save(path);
        return $"{figure.Title}: written to {path}";
    }
}

/// <summary>A value shown by <see cref="ConsoleDisplay.display"/>; on a terminal, updates rewrite its line in place.</summary>
public sealed class ConsoleDisplayedValue
{
    private static readonly Lock _gate = new();
    private static ConsoleDisplayedValue? _lineOwner;

    /// <summary>Replaces what is shown. Redirected output gets one line per update, so logs stay readable.</summary>
    public void Update(object? value)
    {
        var text = ConsoleDisplay.Describe(value);
        lock (_gate)
        {
            if (Console.IsOutputRedirected)
            {
                Console.WriteLine(text);
                return;
            }

            // The cursor stays at the end of the last line shown, so the next update of the same value can rewrite it.
            Console.Write(_lineOwner == this ? $"\r\u001b[2K{text}" : _lineOwner is null ? text : $"\n{text}");
            if (_lineOwner is null)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => Console.WriteLine();
            }

            _lineOwner = this;
        }
    }
}
