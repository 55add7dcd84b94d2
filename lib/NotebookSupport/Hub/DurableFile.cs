using System.Runtime.InteropServices;

namespace NotebookSupport.Hub;

/// <summary>
/// Writes that a crash, a kill or a power loss cannot leave half done. A file is written to a temporary sibling,
/// flushed to disk, renamed over its name, and its folder flushed, so the name always holds the whole old content or
/// the whole new one. A folder is built aside and then swapped in by <see cref="ReplaceFolder"/>.
/// </summary>
internal static partial class DurableFile
{
    /// <summary>The marker in the name of every temporary sibling this class makes: <c>.NAME.partial-GUID</c>.</summary>
    public const string PartialMarker = ".partial-";

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically and durably.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, $".{Path.GetFileName(full)}{PartialMarker}{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
            FlushFolder(folder);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no byte-order mark) to <paramref name="path"/>, atomically and durably.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>Flushes every file under <paramref name="folder"/>, then the folders themselves, deepest first.</summary>
    public static void FlushTree(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);  // fsync needs a writable handle in .NET
            stream.Flush(flushToDisk: true);
        }
        foreach (var sub in Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length))
        {
            FlushFolder(sub);
        }
        FlushFolder(folder);
    }

    /// <summary>
    /// Makes a rename or a new file in <paramref name="folder"/> durable (fsync of the directory). A no-op where the
    /// platform has no such call (Windows flushes directory entries itself).
    /// </summary>
    public static void FlushFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        var fd = Open(folder, OpenReadOnly | OpenDirectory);
        if (fd < 0)
        {
            throw new IOException($"{folder}: cannot open the folder to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"{folder}: flushing the folder to disk failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Puts the complete folder <paramref name="staging"/> at <paramref name="target"/>. Where a folder is already at
    /// <paramref name="target"/>, the two are exchanged in one atomic step (Linux <c>renameat2(RENAME_EXCHANGE)</c>),
    /// so the path holds the old folder until the instant it holds the new one, and the old one ends up at
    /// <paramref name="staging"/>, for the caller to delete. Elsewhere the old folder is first renamed to
    /// <paramref name="staging"/><c>.old</c> and the new one moved in; <see cref="RecoverFolder"/> repairs a crash
    /// between the two renames.
    /// </summary>
    /// <returns>The path of the old folder, to delete, or null when there was none.</returns>
    public static string? ReplaceFolder(string staging, string target)
    {
        FlushTree(staging);
        var parent = Path.GetDirectoryName(Path.GetFullPath(target))!;
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            FlushFolder(parent);
            return null;
        }
        if (OperatingSystem.IsLinux() && RenameAt2(AtCurrentDirectory, staging, AtCurrentDirectory, target, RenameExchange) == 0)
        {
            FlushFolder(parent);
            return staging;
        }
        var old = staging + ".old";
        Directory.Move(target, old);
        Directory.Move(staging, target);
        FlushFolder(parent);
        return old;
    }

    /// <summary>
    /// Deletes <paramref name="folder"/> so that no crash leaves it half deleted under its own name: it is first renamed
    /// to the hidden sibling <c>.NAME.deleting-GUID</c> (one atomic, flushed step), then removed.
    /// <see cref="DeleteLeftovers"/> removes such siblings that a crash left behind.
    /// </summary>
    public static void DeleteFolder(string folder)
    {
        var full = Path.GetFullPath(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        if (!Directory.Exists(full))
        {
            return;
        }
        var parent = Path.GetDirectoryName(full)!;
        var doomed = Path.Combine(parent, $".{Path.GetFileName(full)}{DeletingMarker}{Guid.NewGuid():N}");
        Directory.Move(full, doomed);
        FlushFolder(parent);
        Directory.Delete(doomed, recursive: true);
    }

    /// <summary>The marker in the name of a folder that <see cref="DeleteFolder"/> is removing: <c>.NAME.deleting-GUID</c>.</summary>
    public const string DeletingMarker = ".deleting-";

    /// <summary>
    /// Removes what an interrupted <see cref="DeleteFolder"/> or <see cref="Write"/> left in <paramref name="folder"/>
    /// (<c>.NAME.deleting-*</c> folders, <c>.NAME.partial-*</c> files); returns one description per item removed.
    /// </summary>
    public static IReadOnlyList<string> DeleteLeftovers(string folder)
    {
        var removed = new List<string>();
        if (!Directory.Exists(folder))
        {
            return removed;
        }
        foreach (var doomed in Directory.EnumerateDirectories(folder, $".*{DeletingMarker}*"))
        {
            Directory.Delete(doomed, recursive: true);
            removed.Add($"removed {doomed}, a folder whose deletion was interrupted");
        }
        foreach (var partial in Directory.EnumerateFiles(folder, $".*{PartialMarker}*"))
        {
            File.Delete(partial);
            removed.Add($"removed {partial}, a file whose write was interrupted");
        }
        return removed;
    }

    /// <summary>
    /// After a crash inside the fallback of <see cref="ReplaceFolder"/>, <paramref name="target"/> may be missing while
    /// its complete old copy waits at <c>STAGING.old</c>: moves that copy back. Returns a description of what was done,
    /// or null when nothing needed repair.
    /// </summary>
    public static string? RecoverFolder(string target, string stagingPattern)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(target))!;
        if (Directory.Exists(target) || !Directory.Exists(parent))
        {
            return null;
        }
        var old = Directory.EnumerateDirectories(parent, stagingPattern + ".old").FirstOrDefault();
        if (old is null)
        {
            return null;
        }
        Directory.Move(old, target);
        FlushFolder(parent);
        return $"restored {target} from {old}, left by a save that was interrupted";
    }

    private const int OpenReadOnly = 0;
    private const int OpenDirectory = 0x10000;
    private const int AtCurrentDirectory = -100;
    private const uint RenameExchange = 2;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);
}
