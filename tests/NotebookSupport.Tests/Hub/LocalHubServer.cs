using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using NotebookSupport.Hub;

namespace NotebookSupport.Tests.Hub;

/// <summary>
/// A tiny stand-in for huggingface.co on 127.0.0.1 with the hub's URL layout
/// (<c>/{repo}/resolve/{revision}/{file}</c>, <c>/datasets/{repo}/...</c> for datasets; revision <c>main</c> or
/// <see cref="Commit"/>) and headers (<c>X-Repo-Commit</c>, <c>ETag</c>), honouring <c>Range: bytes=N-</c> with 206
/// answers, and 404 for files it does not hold. Files named in <c>lfsFiles</c> are answered as the hub answers large
/// files: 302 to <c>{cdnEndpoint}/cdn/{sha256}</c> (this server when null) with <c>X-Linked-Etag</c> and <c>X-Linked-Size</c>.
/// </summary>
internal sealed class LocalHubServer : IDisposable
{
    public const string Commit = "0123456789abcdef0123456789abcdef01234567";
    private readonly HttpListener _listener = new();
    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _lfs = new(StringComparer.Ordinal);
    private readonly string _cdnEndpoint;
    private readonly Task _loop;

    public LocalHubServer(
        string repoId,
        IReadOnlyDictionary<string, byte[]> files,
        IEnumerable<string>? lfsFiles = null,
        HubRepoType repoType = HubRepoType.Model,
        string? cdnEndpoint = null)
    {
        var resolve = (repoType == HubRepoType.Dataset ? "/datasets/" : "/") + repoId + "/resolve/";
        string[] revisions = ["main", Commit];
        foreach (var (name, bytes) in files)
        {
            foreach (var revision in revisions)
            {
                _files[$"{resolve}{revision}/{name}"] = bytes;
            }
            _files[$"/cdn/{Etag(bytes)}"] = bytes;
        }
        foreach (var name in lfsFiles ?? [])
        {
            foreach (var revision in revisions)
            {
                _lfs.Add($"{resolve}{revision}/{name}");
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
        Authorizations.Enqueue(($"{request.HttpMethod} {path}", request.Headers["Authorization"]));
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
