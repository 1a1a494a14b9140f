using System.Reflection;
using System.Text.RegularExpressions;
using CryptoStreams.Cli.Api;
using CryptoStreams.Schema;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Npgsql;

namespace CryptoStreams.Cli.Dashboard;

/// <summary>What the API needs to serve the dashboard: its history (null without a database), its live events and settings.</summary>
internal sealed record DashboardSources(DashboardHistory? History, DashboardEvents Events, DashboardSettings Settings);

/// <summary>
/// <c>GET /</c> (the page), <c>/dashboard/*</c> (its script, style and the charting library, embedded in the executable:
/// the page loads nothing from elsewhere), the JSON behind it under <c>/api/</c> and the live events at <c>/api/stream</c>.
/// </summary>
internal static partial class DashboardEndpoints
{
    private static readonly Dictionary<string, TimeSpan> Ranges = new(StringComparer.OrdinalIgnoreCase)
    {
        ["1h"] = TimeSpan.FromHours(1),
        ["6h"] = TimeSpan.FromHours(6),
        ["24h"] = TimeSpan.FromHours(24),
    };

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".mjs"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    public static void Map(WebApplication app, DashboardSources dashboard, ISymbolRegistry symbols, Func<object> status, TimeProvider time)
    {
        symbols.Changed += (_, e) => dashboard.Events.Publish("symbols", e.Symbols);

        app.MapGet("/", () => Asset("index.html"));
        app.MapGet("/dashboard/{file}", (string file) => Asset(file));
        app.MapGet("/api/candles", (string? symbol, string? range, CancellationToken ct) =>
            Query(dashboard, symbol, range, (h, asset, span) => h.CandlesAsync(asset, span, ct)));
        app.MapGet("/api/deviation", (string? symbol, string? range, CancellationToken ct) =>
            Query(dashboard, symbol, range, (h, asset, span) => h.DeviationAsync(asset, span, ct)));
        app.MapGet("/api/signals", (string? symbol, string? range, CancellationToken ct) =>
            Query(dashboard, symbol, range, (h, asset, span) => h.SignalsAsync(asset, span, ct)));
        app.MapGet("/api/latest", (CancellationToken ct) =>
            Query(dashboard, "BTC", null, (h, _, _) => h.LatestAsync(symbols.Symbols.Select(CanonicalSymbol.AssetOf).Distinct(StringComparer.Ordinal), ct)));
        app.MapGet("/api/stream", (HttpContext context) => StreamAsync(context, dashboard, symbols, status, time));
    }

    /// <summary>The page's address to print: a wildcard bind (0.0.0.0, ::) is opened through loopback.</summary>
    public static Uri PageUrl(Uri listening, ApiOptions options)
    {
        var host = listening.Host is "0.0.0.0" or "[::]" or "::" ? "127.0.0.1" : listening.Host;
        return new UriBuilder(listening) { Host = host, Path = "/", Query = string.IsNullOrEmpty(options.Token) ? string.Empty : "token=<Api:Token>" }.Uri;
    }

    private static IResult Asset(string file)
    {
        var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("dashboard/" + file);
        return stream is null || !ContentTypes.TryGetValue(Path.GetExtension(file), out var type)
            ? Results.NotFound()
            : Results.Stream(stream, type);
    }

    private static async Task<IResult> Query<T>(DashboardSources dashboard, string? symbol, string? range, Func<DashboardHistory, string, TimeSpan, Task<T>> query)
    {
        if (dashboard.History is not { } history)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "no database is configured (Database:ConnectionString): the history comes from the loader's tables");
        }

        if (AssetOf(symbol) is not { } asset)
        {
            return Problem(StatusCodes.Status400BadRequest, $"symbol '{symbol}' is not an asset (BTC) or a symbol (BTC-USD)");
        }

        var span = TimeSpan.FromHours(1);
        if (range is not null && !Ranges.TryGetValue(range, out span))
        {
            return Problem(StatusCodes.Status400BadRequest, $"range '{range}' is not one of {string.Join(", ", Ranges.Keys)}");
        }

        try
        {
            return Results.Json(await query(history, asset, span).ConfigureAwait(false), ManagementApiServer.Json);
        }
        catch (NpgsqlException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "the database did not answer: " + ex.Message);
        }
    }

    private static IResult Problem(int status, string error) => Results.Json(new { error }, ManagementApiServer.Json, statusCode: status);

    private static string? AssetOf(string? symbol)
    {
        if (string.IsNullOrWhiteSpace(symbol))
        {
            return null;
        }

        if (symbol.Contains('-', StringComparison.Ordinal))
        {
            return CanonicalSymbol.TryParse(symbol, out var parsed) ? CanonicalSymbol.AssetOf(parsed.ToString()) : null;
        }

        var asset = symbol.ToUpperInvariant();
        return AssetPattern().IsMatch(asset) ? asset : null;
    }

    /// <summary>
    /// Server-Sent Events: <c>symbols</c> and <c>status</c> at once, then every record the feed publishes
    /// (<c>consensus</c>, <c>source</c>, <c>deviation</c>, <c>signal</c>, <c>symbols</c>) and <c>status</c> once a second
    /// (the same document as <c>GET /status</c>), until the page goes away.
    /// </summary>
    private static async Task StreamAsync(HttpContext context, DashboardSources dashboard, ISymbolRegistry symbols, Func<object> status, TimeProvider time)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var stopping = context.RequestAborted;
        using var writing = new SemaphoreSlim(1, 1);

        async Task WriteAsync(string frame)
        {
            await writing.WaitAsync(stopping).ConfigureAwait(false);
            try
            {
                await response.WriteAsync(frame, stopping).ConfigureAwait(false);
                await response.Body.FlushAsync(stopping).ConfigureAwait(false);
            }
            finally
            {
                writing.Release();
            }
        }

        // The browser reconnects by itself (after `retry` ms) when the connection drops.
        await WriteAsync("retry: 1000\n\n" + DashboardEvents.Frame("symbols", symbols.Symbols) + DashboardEvents.Frame("status", status())).ConfigureAwait(false);
        var statusLoop = Task.Run(
            async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
                while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
                {
                    await WriteAsync(DashboardEvents.Frame("status", status())).ConfigureAwait(false);
                }
            },
            stopping);
        try
        {
            await foreach (var frame in dashboard.Events.ReadAsync(stopping).ConfigureAwait(false))
            {
                await WriteAsync(frame).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away.
        }

        try
        {
            await statusLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ended with the connection.
        }
    }

    [GeneratedRegex("^[A-Z0-9]{1,20}$")]
    private static partial Regex AssetPattern();
}
