using System.Text.RegularExpressions;

namespace NotebookSupport.Hub;

/// <summary>
/// The Hugging Face hub cache, laid out as <c>huggingface_hub</c> does:
/// <c>{cache}/models--ORG--NAME/{refs/main, blobs/ETAG, snapshots/COMMIT/FILE -> ../../blobs/ETAG}</c>
/// (<c>datasets--ORG--NAME</c> for dataset repositories).
/// The cache folder is <c>$HF_HUB_CACHE</c>, else <c>$HUGGINGFACE_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>,
/// else <c>$XDG_CACHE_HOME/huggingface/hub</c>, else <c>~/.cache/huggingface/hub</c>, so Python and .NET share downloads.
/// </summary>
public static partial class HuggingFaceCache
{
    /// <summary>The hub cache folder chosen by the environment variables above.</summary>
    public static string DefaultFolder()
    {
        var explicitCache = Env("HF_HUB_CACHE") ?? Env("HUGGINGFACE_HUB_CACHE");
        if (explicitCache is not null)
        {
            return ExpandHome(explicitCache);
        }
        var home = Env("HF_HOME") is { } hfHome
            ? ExpandHome(hfHome)
            : Path.Combine(Env("XDG_CACHE_HOME") is { } xdg ? ExpandHome(xdg) : Path.Combine(UserHome(), ".cache"), "huggingface");
        return Path.Combine(home, "hub");
    }

    /// <summary>True when <c>HF_HUB_OFFLINE</c> is set to 1/true/yes/on: use the cache only, never the network.</summary>
    public static bool OfflineFromEnvironment() =>
        Env("HF_HUB_OFFLINE")?.ToLowerInvariant() is "1" or "true" or "yes" or "on";

    /// <summary>True for strings shaped like a hub model id: <c>name</c> or <c>org/name</c> (letters, digits, <c>-_.</c>).</summary>
    public static bool IsRepoId(string spec) => RepoIdPattern().IsMatch(spec) && !spec.Contains("..") && !spec.StartsWith('.');

    /// <summary>
    /// True for a file path inside a repository: relative, <c>/</c>-separated (<c>plain_text/train-00000-of-00001.parquet</c>),
    /// with no empty, <c>.</c> or <c>..</c> segment, so that it cannot name anything outside its snapshot folder.
    /// Revisions (<c>main</c>, <c>refs/pr/1</c>, a commit hash) follow the same rule.
    /// </summary>
    public static bool IsRepoPath(string path) =>
        path.Length > 0 && !path.Contains('\\') && !Path.IsPathRooted(path)
        && path.Split('/').All(segment => segment is not ("" or "." or ".."));

    /// <summary>The folder of one repository: <c>{cache}/models--ORG--NAME</c> or <c>{cache}/datasets--ORG--NAME</c>.</summary>
    public static string RepoFolder(string cacheFolder, string repoId, HubRepoType repoType = HubRepoType.Model) =>
        Path.Combine(cacheFolder, (repoType == HubRepoType.Dataset ? "datasets--" : "models--") + repoId.Replace("/", "--"));

    /// <summary>
    /// The snapshot folder of <paramref name="revision"/> (a branch or tag resolved through <c>refs/</c>, or a commit hash),
    /// or null when the cache holds no such snapshot.
    /// </summary>
    public static string? FindSnapshot(string cacheFolder, string repoId, string revision, HubRepoType repoType = HubRepoType.Model)
    {
        var repo = RepoFolder(cacheFolder, repoId, repoType);
        var refFile = Path.Combine(repo, "refs", revision);
        var commit = File.Exists(refFile) ? File.ReadAllText(refFile).Trim() : revision;
        var snapshot = Path.Combine(repo, "snapshots", commit);
        return commit.Length > 0 && Directory.Exists(snapshot) ? snapshot : null;
    }

    /// <summary>
    /// The cached copy of <paramref name="fileName"/> in the snapshot of <paramref name="revision"/>, or null when it has
    /// not been downloaded.
    /// </summary>
    public static string? FindFile(string cacheFolder, string repoId, string revision, string fileName, HubRepoType repoType = HubRepoType.Model) =>
        FindSnapshot(cacheFolder, repoId, revision, repoType) is { } snapshot && Path.Combine(snapshot, fileName) is var file && File.Exists(file)
            ? file
            : null;

    /// <summary>
    /// Those of <paramref name="fileNames"/> in <paramref name="snapshot"/> whose blob no longer has the hash its name
    /// (the hub's ETag) records, each with what is wrong. Absent files, blobs named otherwise, and copies made where
    /// symlinks are not available are passed over. Only the files a load reads are named: a snapshot shared with
    /// Python may hold gigabytes of other formats.
    /// </summary>
    internal static List<string> DamagedFiles(string snapshot, IEnumerable<string> fileNames)
    {
        var damaged = new List<string>();
        foreach (var file in fileNames.Select(name => Path.Combine(snapshot, name)))
        {
            if (!File.Exists(file)
                || new FileInfo(file).LinkTarget is not { } target
                || BlobHash.FromEtag(Path.GetFileName(target)) is not { } hash)
            {
                continue;
            }
            var blob = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, target));
            if (File.Exists(blob) && hash.Compute(blob) is var actual && actual != hash.Expected)
            {
                damaged.Add($"'{file}' (blob '{blob}') has {hash.Algorithm} {actual}, the hub announced {hash.Expected}");
            }
        }
        return damaged;
    }

    internal static string? Env(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    internal static string UserHome() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    internal static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal) ? UserHome() + path[1..] : path;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]*(/[A-Za-z0-9][A-Za-z0-9_.\-]*)?$")]
    private static partial Regex RepoIdPattern();
}
