using System.Globalization;

namespace NotebookSupport.Plotting;

/// <summary>An opaque sRGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    /// <summary>Black, used for axes and text.</summary>
    public static Rgb Black { get; } = new(0, 0, 0);

    /// <summary>White, used for backgrounds and text on dark cells.</summary>
    public static Rgb White { get; } = new(255, 255, 255);

    /// <summary>The colour as <c>#rrggbb</c>.</summary>
    public string ToHex() => string.Create(CultureInfo.InvariantCulture, $"#{R:x2}{G:x2}{B:x2}");

    /// <summary>Relative luminance in 0..1 (ITU-R BT.709 weights), to pick a readable text colour.</summary>
    public double Luminance => (0.2126 * R + 0.7152 * G + 0.0722 * B) / 255.0;

    internal static Rgb Lerp(Rgb a, Rgb b, double t) => new(
        (byte)Math.Round(a.R + (b.R - a.R) * t),
        (byte)Math.Round(a.G + (b.G - a.G) * t),
        (byte)Math.Round(a.B + (b.B - a.B) * t));
}
