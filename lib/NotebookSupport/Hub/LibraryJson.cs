using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace NotebookSupport.Hub;

/// <summary>
/// The one source of System.Text.Json options for the JSON files the library reads and writes as typed records (a
/// model's <c>config.json</c> and pooling config, <c>trainer_state.json</c>, <c>training_log.jsonl</c>, a save's commit
/// record).
/// </summary>
/// <remarks>
/// The options name the reflection-based resolver explicitly. It is System.Text.Json's default, but a program can turn
/// the default off, and a file-based app (<c>dotnet run app.cs</c>) does so because it sets PublishAot; without a
/// resolver every load and save would then fail. The source generator is not the answer here: it sets the init-only
/// properties a file leaves out to null or 0 instead of their defaults (dotnet/runtime#84484), so a
/// <c>config.json</c> without <c>vocab_size</c> would not get 30522.
/// </remarks>
internal static class LibraryJson
{
    private static readonly DefaultJsonTypeInfoResolver _resolver = new();

    /// <summary>Options for reading and compact writing.</summary>
    public static JsonSerializerOptions Plain { get; } = WithOptions();

    /// <summary>Options for the files written for people to read too (configs, trainer state): indented.</summary>
    public static JsonSerializerOptions Indented { get; } = WithOptions(indented: true);

    /// <summary>Options with the given writing settings.</summary>
    public static JsonSerializerOptions WithOptions(bool indented = false, JsonIgnoreCondition ignore = JsonIgnoreCondition.Never) =>
        new() { WriteIndented = indented, DefaultIgnoreCondition = ignore, TypeInfoResolver = _resolver };
}
