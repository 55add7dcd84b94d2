namespace NotebookSupport.Training;

/// <summary>
/// The check a resume makes before it restores anything: the checkpoint must come from the same run (seed, batch
/// sizes, losses, data, model), or the change must be allowed with <see cref="FitOptions.AllowResumeWithChanges"/>.
/// </summary>
internal static class ResumeCheck
{
    /// <summary>
    /// Compares the checkpoint's <paramref name="saved"/> state with this run and returns what to tell the user (empty
    /// when the runs match); throws, naming every difference, when they differ and changes are not allowed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The runs differ and <paramref name="allowChanges"/> is false.</exception>
    public static IReadOnlyList<string> Verify(string stateFile, TrainerState saved, RunFingerprint current, int seed, bool allowChanges)
    {
        var differences = new List<string>();
        if (saved.Seed != seed)
        {
            differences.Add($"seed: {saved.Seed} -> {seed}");
        }
        if (saved.Run is { } run)
        {
            differences.AddRange(current.DifferencesFrom(run));
        }
        var listed = string.Concat(differences.Select(d => $"{Environment.NewLine}  {d}"));
        if (differences.Count > 0 && !allowChanges)
        {
            throw new InvalidOperationException(
                $"{stateFile}: this run is not the one that saved the checkpoint (checkpoint -> this run):{listed}{Environment.NewLine}" +
                "Resume with the checkpoint's settings, or continue with these changes on purpose with " +
                "FitOptions.AllowResumeWithChanges = true (st train --resume-changed).");
        }
        var notes = new List<string>();
        if (differences.Count > 0)
        {
            notes.Add($"{stateFile}: resuming with changes, as allowed (checkpoint -> this run):{listed}");
        }
        if (saved.Run is null)
        {
            notes.Add($"{stateFile}: this checkpoint (format {saved.FormatVersion}) does not record its batch sizes, losses, data or model, " +
                      "so the resume cannot verify they are the same; only the seed and step counts were checked.");
        }
        return notes;
    }
}
