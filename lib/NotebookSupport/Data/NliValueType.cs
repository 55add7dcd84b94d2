namespace NotebookSupport.Data;

/// <summary>The value types an <see cref="NliDataset"/> column can have (Arrow names: string, int32, int64).</summary>
public enum NliValueType
{
    /// <summary>UTF-8 text; a <c>StringDataFrameColumn</c>.</summary>
    String,

    /// <summary>32-bit integer; an <c>Int32DataFrameColumn</c>.</summary>
    Int32,

    /// <summary>64-bit integer; an <c>Int64DataFrameColumn</c>.</summary>
    Int64,
}
