using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Archive.Tests.FakeS3;

/// <summary>
/// A fake S3 endpoint: a real HTTP server (Kestrel) on 127.0.0.1 that answers just the calls the archive makes,
/// path-style — <c>PUT /bucket/key</c> (PutObject) and <c>GET /bucket?list-type=2</c> (ListObjectsV2, paged by
/// <see cref="PageSize"/> keys so the client's continuation tokens are exercised) — and keeps the objects in memory.
/// No S3-compatible server can be installed here; this one exists so AWSSDK.S3 is driven over the wire as against
/// MinIO. It can fail every upload with 500 InternalError (<see cref="FailUploads"/>) or be stopped and started again on
/// the same port (a store that is down).
/// </summary>
public sealed class FakeS3Server : IAsyncDisposable
{
    public const string AccessKey = "fake-access-key";
    public const string SecretKey = "fake-secret-key";

    private readonly ConcurrentDictionary<string, byte[]> objects = new(StringComparer.Ordinal);
    private WebApplication? app;
    private long failedRequests;
    private long puts;

    public FakeS3Server(string bucket, int port, int pageSize = 5)
    {
        Bucket = bucket;
        Port = port;
        PageSize = pageSize;
    }

    public string Bucket { get; }

    public int Port { get; }

    public int PageSize { get; }

    public string ServiceUrl => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}");

    /// <summary>While true every PutObject is answered 500 InternalError and nothing is stored (listing still works).</summary>
    public bool FailUploads { get; set; }

    /// <summary>Uploads answered with 500 so far.</summary>
    public long FailedRequests => Interlocked.Read(ref failedRequests);

    /// <summary>PutObject requests stored so far.</summary>
    public long Puts => Interlocked.Read(ref puts);

    /// <summary>The stored objects by key, as the client sent them (aws-chunked framing removed).</summary>
    public IReadOnlyDictionary<string, byte[]> Objects => objects;

    /// <summary>The <c>x-amz-content-sha256</c> values uploads came with (how the SDK framed and signed the body).</summary>
    public ConcurrentDictionary<string, int> PayloadModes { get; } = new(StringComparer.Ordinal);

    /// <summary>The Content-Type each object was stored with.</summary>
    public ConcurrentDictionary<string, string?> ContentTypes { get; } = new(StringComparer.Ordinal);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Port));
        app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
    }

    /// <summary>Stops listening (connections are refused) until <see cref="StartAsync"/>; the objects are kept.</summary>
    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = Uri.UnescapeDataString(request.Path.Value ?? "/").TrimStart('/');
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? path : path[..slash];
        var key = slash < 0 ? string.Empty : path[(slash + 1)..];
        // Not a signature check (the fake does not know the SDK's clock skew rules), but the credentials must be the configured ones.
        if (!request.Headers.Authorization.ToString().StartsWith("AWS4-HMAC-SHA256 Credential=" + AccessKey + "/", StringComparison.Ordinal))
        {
            await ErrorAsync(context, 403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.");
            return;
        }

        if (bucket != Bucket)
        {
            await ErrorAsync(context, 404, "NoSuchBucket", "The specified bucket does not exist");
            return;
        }

        if (HttpMethods.IsPut(request.Method) && key.Length > 0 && FailUploads)
        {
            Interlocked.Increment(ref failedRequests);
            await ErrorAsync(context, 500, "InternalError", "We encountered an internal error. Please try again.");
        }
        else if (HttpMethods.IsPut(request.Method) && key.Length > 0)
        {
            await PutObjectAsync(context, key);
        }
        else if (HttpMethods.IsGet(request.Method) && key.Length == 0 && request.Query["list-type"] == "2")
        {
            await ListObjectsV2Async(context);
        }
        else
        {
            await ErrorAsync(context, 501, "NotImplemented", $"{request.Method} {request.Path}{request.QueryString} is not a call the fake answers");
        }
    }

    private async Task PutObjectAsync(HttpContext context, string key)
    {
        var request = context.Request;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        var sent = body.ToArray();
        byte[] content;
        // What the SDK sends over plain HTTP: with a signed streaming payload (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER])
        // or an unsigned one with a trailing checksum (STREAMING-UNSIGNED-PAYLOAD-TRAILER), the body is aws-chunked
        // framed and x-amz-decoded-content-length gives the object's size, as MinIO and S3 read it.
        var payload = request.Headers["x-amz-content-sha256"].ToString();
        PayloadModes.AddOrUpdate(payload.Length == 64 ? "<sha256 of the body>" : payload, 1, (_, n) => n + 1);
        if (payload.StartsWith("STREAMING-", StringComparison.Ordinal))
        {
            if (!AwsChunked.TryDecode(sent, out content, out var error))
            {
                await ErrorAsync(context, 400, "IncompleteBody", error);
                return;
            }

            if (!long.TryParse(request.Headers["x-amz-decoded-content-length"], NumberStyles.None, CultureInfo.InvariantCulture, out var decodedLength) || decodedLength != content.Length)
            {
                await ErrorAsync(context, 400, "IncompleteBody", $"decoded {content.Length} bytes, x-amz-decoded-content-length says {request.Headers["x-amz-decoded-content-length"]}");
                return;
            }
        }
        else
        {
            content = sent;
            if (payload.Length == 64 && !string.Equals(payload, Convert.ToHexStringLower(SHA256.HashData(content)), StringComparison.Ordinal))
            {
                await ErrorAsync(context, 400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.");
                return;
            }
        }

        objects[key] = content;
        ContentTypes[key] = request.ContentType;
        Interlocked.Increment(ref puts);
#pragma warning disable CA5351 // S3's ETag of a single-part object is the MD5 of its bytes: an identifier, not security
        context.Response.Headers.ETag = "\"" + Convert.ToHexStringLower(MD5.HashData(content)) + "\"";
#pragma warning restore CA5351
        context.Response.StatusCode = 200;
    }

    private async Task ListObjectsV2Async(HttpContext context)
    {
        var query = context.Request.Query;
        var prefix = query["prefix"].ToString();
        var after = query["continuation-token"].ToString();
        var matching = objects.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Where(k => after.Length == 0 || string.CompareOrdinal(k, after) > 0).ToList();
        var page = matching.Take(PageSize).ToList();
        var truncated = matching.Count > page.Count;
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
        xml.Append(CultureInfo.InvariantCulture, $"<Name>{Bucket}</Name><Prefix>{SecurityElement.Escape(prefix)}</Prefix><KeyCount>{page.Count}</KeyCount><MaxKeys>{PageSize}</MaxKeys>");
        xml.Append(CultureInfo.InvariantCulture, $"<IsTruncated>{(truncated ? "true" : "false")}</IsTruncated>");
        if (truncated)
        {
            // The last key of the page as the token: opaque to the client, enough for the fake.
            xml.Append(CultureInfo.InvariantCulture, $"<NextContinuationToken>{SecurityElement.Escape(page[^1])}</NextContinuationToken>");
        }

        foreach (var key in page)
        {
            xml.Append(CultureInfo.InvariantCulture, $"<Contents><Key>{SecurityElement.Escape(key)}</Key><Size>{objects[key].Length}</Size><StorageClass>STANDARD</StorageClass></Contents>");
        }

        xml.Append("</ListBucketResult>");
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync(xml.ToString());
    }

    private static async Task ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/xml";
        await context.Response.WriteAsync(
            $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{SecurityElement.Escape(message)}</Message><RequestId>fake</RequestId></Error>");
    }
}
