namespace NotebookSupport.Plotting;

/// <summary>
/// A sequential colour map: 0 maps to the first stop, 1 to the last, linear in between. The default is a
/// five-stop approximation of matplotlib's "viridis", readable in greyscale and by colour-blind readers.
/// </summary>
public sealed class ColorMap
{
    private readonly Rgb[] _stops;

    /// <summary>Creates a colour map through the given stops (at least two), evenly spaced over 0..1.</summary>
    public ColorMap(params Rgb[] stops)
    {
        if (stops.Length < 2)
        {
            throw new ArgumentException($"A colour map needs at least two stops, got {stops.Length}.", nameof(stops));
        }

        this._stops = stops;
    }

    /// <summary>Viridis (dark purple -> blue -> green -> yellow).</summary>
    public static ColorMap Viridis { get; } = new(
        new Rgb(68, 1, 84), new Rgb(59, 82, 139), new Rgb(33, 145, 140), new Rgb(94, 201, 98), new Rgb(253, 231, 37));

    /// <summary>The colour at <paramref name="t"/>, clamped to 0..1.</summary>
    public Rgb At(double t)
    {
        if (double.IsNaN(t))
        {
            return _stops[0];
        }

        t = Math.Clamp(t, 0, 1) * (_stops.Length - 1);
        var i = Math.Min((int)Math.Floor(t), _stops.Length - 2);
        return Rgb.Lerp(_stops[i], _stops[i + 1], t - i);
    }
}
