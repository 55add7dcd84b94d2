using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace NotebookSupport.Tests.Hub;

/// <summary>
/// A tiny stand-in for huggingface.co on 127.0.0.1 with the hub's URL layout
/// (<c>/{repo}/resolve/{revision}/{file}</c>) and headers (<c>X-Repo-Commit</c>, <c>ETag</c>), honouring
/// <c>Range: bytes=N-</c> with 206 answers, and 404 for files it does not hold. Files named in <c>lfsFiles</c> are
/// answered as the hub answers large files: 302 to <c>/cdn/{sha256}</c> with <c>X-Linked-Etag</c> and <c>X-Linked-Size</c>.
/// </summary>
internal sealed class LocalHubServer : IDisposable
{
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _lfs = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public LocalHubServer(string repoId, IReadOnlyDictionary<string, byte[]> files, IEnumerable<string>? lfsFiles = null)
    {
        foreach (var (name, bytes) in files)
        {
            _files[$"/{repoId}/resolve/main/{name}"] = bytes;
            _files[$"/cdn/{Etag(bytes)}"] = bytes;
        }
        foreach (var name in lfsFiles ?? [])
        {
            _lfs.Add($"/{repoId}/resolve/main/{name}");
        }
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Every request as "METHOD path [range]".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public static string Etag(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

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
                response.RedirectLocation = $"/cdn/{Etag(bytes)}";
                response.Headers["X-Linked-Etag"] = $"\"{Etag(bytes)}\"";
                response.Headers["X-Linked-Size"] = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return;
            }
            response.Headers["ETag"] = $"\"{Etag(bytes)}\"";
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
            response.ContentLength64 = bytes.Length - start;
            if (request.HttpMethod == "GET")
            {
                response.OutputStream.Write(bytes, (int)start, (int)(bytes.Length - start));
            }
        }
        finally
        {
            response.Close();
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
