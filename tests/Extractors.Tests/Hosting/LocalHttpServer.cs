using System.Collections.Concurrent;
using System.Net;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Extractors.Tests.Hosting;

/// <summary>What a test server answers: status, body, extra headers.</summary>
internal sealed record CannedResponse(int Status, byte[] Body, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static CannedResponse Json(string body, int status = 200) => new(status, System.Text.Encoding.UTF8.GetBytes(body));

    public static CannedResponse Fixture(string api, string file, int status = 200) =>
        new(status, File.ReadAllBytes(Path.Combine(RepositoryPaths.Fixtures, api, file)));
}

/// <summary>A request the server received.</summary>
internal sealed record ReceivedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>
/// A real HTTP/1.1 server on 127.0.0.1 (HttpListener) that answers with what the test's handler returns and
/// remembers every request, so connectors are tested over real sockets against recorded payloads.
/// </summary>
internal sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<ReceivedRequest, CannedResponse> _handler;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly Task _loop;

    public LocalHttpServer(Func<ReceivedRequest, CannedResponse> handler)
    {
        _handler = handler;
        Port = FreePort.Next();
        BaseUrl = new Uri($"http://127.0.0.1:{Port}/");
        _listener.Prefixes.Add(BaseUrl.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public Uri BaseUrl { get; }

    public IReadOnlyList<ReceivedRequest> Requests => [.. _requests];

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
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
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null)
                .ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            var request = new ReceivedRequest(context.Request.HttpMethod, context.Request.Url!.PathAndQuery, headers, body.ToArray());
            CannedResponse response;
            try
            {
                response = _handler(request);
            }
            catch (Exception ex)
            {
                response = CannedResponse.Json("handler failed: " + ex.Message, 500);
            }

            // Record only once the answer is decided, so a test that sees N requests sees N answers' worth of state.
            _requests.Enqueue(request);
            context.Response.StatusCode = response.Status;
            context.Response.ContentType = "application/json";
            foreach (var (name, value) in response.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }

            context.Response.ContentLength64 = response.Body.Length;
            await context.Response.OutputStream.WriteAsync(response.Body);
            context.Response.Close();
        }
    }
}
