using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using NotebookSupport.Hub;

namespace NotebookSupport.Tests.Hub;

/// <summary>
/// A tiny stand-in for huggingface.co on 127.0.0.1 with the hub's URL layout
/// (<c>/{repo}/resolve/{revision}/{file}</c>, <c>/datasets/{repo}/...</c> for datasets; revision <c>main</c> or
/// <see cref="Commit"/>) and headers (<c>X-Repo-Commit</c>, <c>ETag</c>: the git blob id, as the hub sends for small
/// files), honouring <c>Range: bytes=N-</c> with 206 answers, and 404 for files it does not hold. Files named in
/// <c>lfsFiles</c> are answered as the hub answers large files: 302 to <c>{cdnEndpoint}/cdn/{sha256}</c> (this server
/// when null) with <c>X-Linked-Etag</c> (the SHA-256) and <c>X-Linked-Size</c>.
/// <see cref="ServeWrongBody"/> makes the next downloads of a file go wrong, as a flaky network or CDN would.
/// </summary>
internal sealed class LocalHubServer : IDisposable
{
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _lfs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<(byte[] Body, bool DropConnection)>> _wrongBodies = new(StringComparer.Ordinal);
    private readonly string _resolve;
    private readonly string _cdnEndpoint;
    private readonly Task _loop;

    public LocalHubServer(
        string repoId,
        IReadOnlyDictionary<string, byte[]> files,
        IEnumerable<string>? lfsFiles = null,
        HubRepoType repoType = HubRepoType.Model,
        string? cdnEndpoint = null)
        : this([(repoId, files, lfsFiles ?? [])], repoType, cdnEndpoint)
    {
    }

    /// <summary>Several repositories of one type on one endpoint, as the hub serves stanfordnlp/snli and nyu-mll/glue side by side.</summary>
    public LocalHubServer(
        IReadOnlyList<(string RepoId, IReadOnlyDictionary<string, byte[]> Files, IEnumerable<string> LfsFiles)> repos,
        HubRepoType repoType,
        string? cdnEndpoint = null)
        : this([.. repos.Select(r => (r.RepoId, repoType, r.Files, r.LfsFiles))], cdnEndpoint)
    {
    }

    /// <summary>Model and dataset repositories on one endpoint, as the full experiment meets them: bert-base-uncased beside SNLI and GLUE.</summary>
    public LocalHubServer(
        IReadOnlyList<(string RepoId, HubRepoType RepoType, IReadOnlyDictionary<string, byte[]> Files, IEnumerable<string> LfsFiles)> repos,
        string? cdnEndpoint = null)
    {
        static string Resolve(string repoId, HubRepoType type) => (type == HubRepoType.Dataset ? "/datasets/" : "/") + repoId + "/resolve/";
        _resolve = Resolve(repos[0].RepoId, repos[0].RepoType);
        string[] revisions = ["main", Commit];
        foreach (var (repoId, repoType, files, lfsFiles) in repos)
        {
            var resolve = Resolve(repoId, repoType);
            foreach (var (name, bytes) in files)
            {
                foreach (var revision in revisions)
                {
                    _files[$"{resolve}{revision}/{name}"] = bytes;
                }
                _files[$"/cdn/{Etag(bytes)}"] = bytes;
            }
            foreach (var name in lfsFiles)
            {
                foreach (var revision in revisions)
                {
                    _lfs.Add($"{resolve}{revision}/{name}");
                }
            }
        }
        _cdnEndpoint = cdnEndpoint ?? "";
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Every request as "METHOD path [range]".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Every request as "METHOD path" and its Authorization header (null when absent).</summary>
    public ConcurrentQueue<(string Request, string? Authorization)> Authorizations { get; } = new();

    /// <summary>The SHA-256 of the content: the hub's <c>X-Linked-Etag</c> of a large (LFS) file.</summary>
    public static string Etag(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The git blob id, SHA-1 of <c>"blob {length}\0"</c> + content: the hub's <c>ETag</c> of a small file.</summary>
    public static string GitBlobSha1(byte[] bytes) =>
        Convert.ToHexStringLower(SHA1.HashData([.. System.Text.Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]));

    /// <summary>
    /// The next GETs of <paramref name="fileName"/>'s content (its resolve URL, or its CDN URL when it is an LFS file),
    /// one per body, answer <paramref name="bodies"/> instead, with the real file's ETag and size headers. With
    /// <paramref name="dropConnection"/> the answer announces the real length and the connection breaks after the body.
    /// </summary>
    public void ServeWrongBody(string fileName, bool dropConnection, params byte[][] bodies)
    {
        var queue = new Queue<(byte[], bool)>(bodies.Select(b => (b, dropConnection)));
        var real = _files[$"{_resolve}main/{fileName}"];
        lock (_wrongBodies)
        {
            foreach (var path in new[] { $"{_resolve}main/{fileName}", $"{_resolve}{Commit}/{fileName}", $"/cdn/{Etag(real)}" })
            {
                _wrongBodies[path] = queue;
            }
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            Handle(context);
        }
    }

    private void Handle(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Url!.AbsolutePath;
        var range = request.Headers["Range"];
        Requests.Enqueue($"{request.HttpMethod} {path}{(range is null ? "" : " " + range)}");
        Authorizations.Enqueue(($"{request.HttpMethod} {path}", request.Headers["Authorization"]));
        bool aborted = false;
        try
        {
            response.Headers["X-Repo-Commit"] = Commit;
            if (!_files.TryGetValue(path, out var bytes))
            {
                response.StatusCode = 404;
                response.Headers["X-Error-Code"] = "EntryNotFound";
                return;
            }
            if (_lfs.Contains(path))
            {
                response.StatusCode = 302;
                response.RedirectLocation = $"{_cdnEndpoint}/cdn/{Etag(bytes)}";
                response.Headers["X-Linked-Etag"] = $"\"{Etag(bytes)}\"";
                response.Headers["X-Linked-Size"] = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return;
            }
            response.Headers["ETag"] = $"\"{(path.StartsWith("/cdn/", StringComparison.Ordinal) ? Etag(bytes) : GitBlobSha1(bytes))}\"";
            var realLength = bytes.Length;
            bool dropConnection = false;
            lock (_wrongBodies)
            {
                if (request.HttpMethod == "GET" && _wrongBodies.TryGetValue(path, out var wrong) && wrong.Count > 0)
                {
                    (bytes, dropConnection) = wrong.Dequeue();
                }
            }
            long start = 0;
            if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
            {
                start = long.Parse(range["bytes=".Length..^1]);
                if (start >= bytes.Length)
                {
                    response.StatusCode = 416;
                    return;
                }
                response.StatusCode = 206;
                response.Headers["Content-Range"] = $"bytes {start}-{bytes.Length - 1}/{bytes.Length}";
            }
            response.ContentLength64 = (dropConnection ? realLength : bytes.Length) - start;
            if (request.HttpMethod == "GET")
            {
                response.OutputStream.Write(bytes, (int)start, (int)(bytes.Length - start));
            }
            if (dropConnection)
            {
                response.OutputStream.Flush();
                response.Abort();
                aborted = true;
            }
        }
        finally
        {
            if (!aborted)
            {
                response.Close();
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (!_listener.IsListening)
        {
            return;
        }
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
