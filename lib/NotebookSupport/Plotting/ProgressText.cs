using System.Globalization;

namespace NotebookSupport.Plotting;

/// <summary>A one-line text progress bar, for a notebook's updating display or a console line.</summary>
public static class ProgressText
{
    /// <summary>
    /// <c>"encoding [########------------] 40/100 (40%)"</c> with an optional suffix such as the current loss.
    /// </summary>
    public static string Bar(string label, long done, long total, string? suffix = null, int width = 20)
    {
        var fraction = total <= 0 ? 1.0 : Math.Clamp((double)done / total, 0, 1);
        var filled = (int)Math.Round(fraction * width);
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{label} [{new string('#', filled)}{new string('-', width - filled)}] {done:N0}/{total:N0} ({fraction:P0})");
        return suffix is null ? text : $"{text} {suffix}";
    }
}
