namespace NotebookSupport.Plotting;

/// <summary>
/// .NET Interactive finds this attribute by name and asks <see cref="FigureFormatterSource"/> for formatters, so
/// figures display as inline SVG in a notebook while this library keeps no dependency on .NET Interactive (whose
/// packages are deprecated and whose version must match the kernel's).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;

    public string[] PreferredMimeTypes { get; set; } = [];
}

/// <summary>The convention-based formatter source for <see cref="Figure"/> (text/html and text/plain).</summary>
internal sealed class FigureFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new FigureFormatter("text/html", figure => $"<div>{figure.ToSvg()}</div>");
        yield return new FigureFormatter("text/plain", figure => figure.ToString());
    }
}

/// <summary>One MIME type's formatter, shaped as .NET Interactive's convention expects.</summary>
internal sealed class FigureFormatter(string mimeType, Func<Figure, string> format)
{
    public string MimeType { get; } = mimeType;

    public bool Format(object instance, TextWriter writer)
    {
        if (instance is not Figure figure)
        {
            return false;
        }

        writer.Write(format(figure));
        return true;
    }
}
