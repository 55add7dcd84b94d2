// This one file is compiled twice: into the library (LibTorchSharpLoader patches a cached copy at run time) and, by
// build/TorchSharpNatives.targets, into an MSBuild task that patches build outputs. So it uses only the BCL.
using System;
using System.IO;
using System.Linq;
using System.Text;

namespace NotebookSupport.Native;

/// <summary>
/// TorchSharp-cpu 0.107.0's <c>libLibTorchSharp.so</c> was linked against GCC 13's libstdc++ and so asks for the
/// symbol version <c>GLIBCXX_3.4.32</c>, which older libstdc++ (Debian 12, Ubuntu 22.04) lacks; the dynamic loader
/// then refuses the whole file. The only symbol it takes from that version, <c>std::ios_base_library_init()</c>,
/// has no relocation: GCC 13's <c>&lt;iostream&gt;</c> references it and never calls it. Marking the version need
/// weak (<c>VER_FLG_WEAK</c> on its <c>Elf64_Vernaux</c> entry), with nothing else changed, makes the loader accept
/// the file where the version is missing; where it exists nothing changes.
/// </summary>
public static class GlibcxxVersionNeed
{
    /// <summary>The version libLibTorchSharp.so asks for and older libstdc++ lacks.</summary>
    public const string Version = "GLIBCXX_3.4.32";

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>
    /// True when the system's libstdc++.so.6 (the first found in <c>LD_LIBRARY_PATH</c>, then the standard library
    /// folders) defines <see cref="Version"/>; false when it lacks it or none is found.
    /// </summary>
    public static bool SystemLibstdcxxHasVersion()
    {
        var folders = (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "")
            .Split(new[] { ':' }, StringSplitOptions.RemoveEmptyEntries)
            .Concat(new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib" });
        foreach (var folder in folders)
        {
            var path = Path.Combine(folder, "libstdc++.so.6");
            if (File.Exists(path))
            {
                return Contains(File.ReadAllBytes(path), Encoding.ASCII.GetBytes(Version + "\0"));
            }
        }
        return false;
    }

    /// <summary>True when <paramref name="path"/> needs <see cref="Version"/> and that need is already weak.</summary>
    public static bool IsWeak(string path) => (ReadFlags(File.ReadAllBytes(path), path).Flags & VerFlgWeak) != 0;

    /// <summary>
    /// Marks the need for <see cref="Version"/> in <paramref name="path"/> weak. The patched copy goes to a temporary
    /// file in the same folder, flushed to disk, then renamed over the original, so the path always holds a whole
    /// file, and a hard link to the original (e.g. into the NuGet cache) is left as it was. Keeps the file's mode
    /// and modification time, so incremental builds do not copy the original over it again.
    /// </summary>
    /// <returns>True when the file was changed, false when its need was weak already.</returns>
    /// <exception cref="InvalidDataException">The file is not a 64-bit little-endian ELF file that needs the version.</exception>
    public static bool MarkWeak(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var (offset, flags) = ReadFlags(bytes, path);
        if ((flags & VerFlgWeak) != 0)
        {
            return false;
        }

        flags |= VerFlgWeak;
        bytes[offset] = (byte)flags;
        bytes[offset + 1] = (byte)(flags >> 8);

        // Copying keeps the file's mode; only the two bytes of vna_flags differ from the original.
        var info = new FileInfo(path);
        var temporary = Path.Combine(info.DirectoryName!, "." + info.Name + ".weak-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.Copy(path, temporary);
            using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.Write))
            {
                stream.Position = offset;
                stream.Write(bytes, offset, 2);
                stream.Flush(flushToDisk: true);
            }
            File.SetLastWriteTimeUtc(temporary, info.LastWriteTimeUtc);
            File.Replace(temporary, path, destinationBackupFileName: null);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
        return true;
    }

    // Walks SHT_GNU_verneed: Elf64_Verneed records (vn_cnt at 2, vn_aux at 8, vn_next at 12), each followed by
    // Elf64_Vernaux records (vna_flags at 4, vna_name at 8, vna_next at 12). Returns the offset and value of
    // vna_flags for Version.
    private static (int Offset, ushort Flags) ReadFlags(byte[] b, string path)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F' || b[4] != 2 || b[5] != 1)
        {
            throw new InvalidDataException(path + ": not a 64-bit little-endian ELF file.");
        }

        try
        {
            var sectionTable = checked((int)BitConverter.ToInt64(b, 0x28));
            int entrySize = BitConverter.ToUInt16(b, 0x3A), count = BitConverter.ToUInt16(b, 0x3C);
            for (var i = 0; i < count; i++)
            {
                var section = sectionTable + i * entrySize;
                if (BitConverter.ToUInt32(b, section + 4) != ShtGnuVerneed)
                {
                    continue;
                }

                var need = checked((int)BitConverter.ToInt64(b, section + 24));
                var strings = checked((int)BitConverter.ToInt64(b, sectionTable + BitConverter.ToInt32(b, section + 40) * entrySize + 24));
                var needs = BitConverter.ToInt32(b, section + 44);
                for (var n = 0; n < needs; n++)
                {
                    var aux = need + checked((int)BitConverter.ToUInt32(b, need + 8));
                    for (var a = BitConverter.ToUInt16(b, need + 2); a > 0; a--)
                    {
                        var name = strings + checked((int)BitConverter.ToUInt32(b, aux + 8));
                        var end = Array.IndexOf(b, (byte)0, name);
                        if (end > name && Encoding.ASCII.GetString(b, name, end - name) == Version)
                        {
                            return (aux + 4, BitConverter.ToUInt16(b, aux + 4));
                        }

                        aux += checked((int)BitConverter.ToUInt32(b, aux + 12));
                    }
                    need += checked((int)BitConverter.ToUInt32(b, need + 12));
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            throw new InvalidDataException(path + ": its ELF section or version tables run past the end of the file.", e);
        }
        throw new InvalidDataException(path + ": has no version need named " + Version + ".");
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (var i = Array.IndexOf(haystack, needle[0]); i >= 0 && i <= haystack.Length - needle.Length; i = Array.IndexOf(haystack, needle[0], i + 1))
        {
            var j = 1;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }

            if (j == needle.Length)
            {
                return true;
            }
        }
        return false;
    }
}

#if !NOTEBOOKSUPPORT_LIBRARY
/// <summary>The MSBuild task of build/TorchSharpNatives.targets: marks the need weak in each file.</summary>
public sealed class MarkGlibcxxVersionNeedWeak : Microsoft.Build.Utilities.Task
{
    [Microsoft.Build.Framework.Required]
    public string[] Files { get; set; } = Array.Empty<string>();

    public override bool Execute()
    {
        if (GlibcxxVersionNeed.SystemLibstdcxxHasVersion())
            return true;
        foreach (var file in Files)
        {
            try
            {
                if (GlibcxxVersionNeed.MarkWeak(file))
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                        "Marked " + GlibcxxVersionNeed.Version + " weak in " + file + " (the system libstdc++ lacks it).");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.LogError(e.Message);
            }
        }
        return !Log.HasLoggedErrors;
    }
}
#endif
