namespace NotebookSupport.Losses;

/// <summary>How <see cref="GISTEmbedLoss"/> turns the guide's anchor-positive score p into the threshold above which a candidate is masked.</summary>
public enum GistMarginStrategy
{
    /// <summary>Mask candidates the guide scores above <c>p - margin</c>.</summary>
    Absolute,

    /// <summary>Mask candidates the guide scores above <c>p * (1 - margin)</c>.</summary>
    Relative,
}
