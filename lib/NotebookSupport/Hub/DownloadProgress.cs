namespace NotebookSupport.Hub;

/// <summary>
/// Progress of one file download from the hub: <paramref name="BytesDownloaded"/> counts bytes already on disk,
/// including those of a resumed partial download; <paramref name="TotalBytes"/> is null when the server does not say.
/// </summary>
public sealed record DownloadProgress(string RepoId, string FileName, long BytesDownloaded, long? TotalBytes);
