using System.Reflection;
using System.Text.RegularExpressions;
using CryptoStreams.Cli.Api;
using CryptoStreams.Schema;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Npgsql;

namespace CryptoStreams.Cli.Dashboard;

/// <summary>
/// What the API needs to serve the dashboard: its history from the database (null without one) and from the topics,
/// its live events and settings.
/// </summary>
internal sealed record DashboardSources(DashboardHistory? Database, DashboardHistory Topics, DashboardEvents Events, DashboardSettings Settings)
{
    /// <summary>The history the live averages warm up on: the database's when there is one.</summary>
    public DashboardHistory Preferred => Database ?? Topics;
}

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
        app.MapGet("/api/candles", (string? symbol, string? range, string? history, CancellationToken ct) =>
            Query(dashboard, symbol, range, history, async (h, asset, span, source) => await h.CandlesAsync(asset, span, ct).ConfigureAwait(false) with { History = source }));
        app.MapGet("/api/deviation", (string? symbol, string? range, string? history, CancellationToken ct) =>
            Query(dashboard, symbol, range, history, async (h, asset, span, source) => await h.DeviationAsync(asset, span, ct).ConfigureAwait(false) with { History = source }));
        app.MapGet("/api/signals", (string? symbol, string? range, string? history, CancellationToken ct) =>
            Query(dashboard, symbol, range, history, (h, asset, span, _) => h.SignalsAsync(asset, span, ct)));
        app.MapGet("/api/latest", (string? history, CancellationToken ct) =>
            Query(dashboard, "BTC", null, history, (h, _, _, _) => h.LatestAsync(symbols.Symbols.Select(CanonicalSymbol.AssetOf).Distinct(StringComparer.Ordinal), ct)));
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

    /// <summary>
    /// Answers from the database when one is configured, else from the topics; <paramref name="history"/>
    /// (<c>database</c>, <c>topics</c>) asks for one. A database that does not answer falls back to the topics unless
    /// it was asked for. The answer's <c>History-Source</c> header (and the candles' and deviation's <c>history</c>) names
    /// where it came from and why.
    /// </summary>
    private static async Task<IResult> Query<T>(
        DashboardSources dashboard, string? symbol, string? range, string? history, Func<DashboardHistory, string, TimeSpan, HistorySource, Task<T>> query)
    {
        if (AssetOf(symbol) is not { } asset)
        {
            return Problem(StatusCodes.Status400BadRequest, $"symbol '{symbol}' is not an asset (BTC) or a symbol (BTC-USD)");
        }

        var span = TimeSpan.FromHours(1);
        if (range is not null && !Ranges.TryGetValue(range, out span))
        {
            return Problem(StatusCodes.Status400BadRequest, $"range '{range}' is not one of {string.Join(", ", Ranges.Keys)}");
        }

        if (history is not (null or "database" or "topics"))
        {
            return Problem(StatusCodes.Status400BadRequest, $"history '{history}' is not one of database, topics");
        }

        if (history == "database" && dashboard.Database is null)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "no database is configured (Database:ConnectionString)");
        }

        var topicsReason = history == "topics" ? "asked for" : "no database is configured (Database:ConnectionString)";
        try
        {
            if (history != "topics" && dashboard.Database is { } database)
            {
                try
                {
                    return Answer(await query(database, asset, span, database.Source).ConfigureAwait(false), database.Source);
                }
                catch (NpgsqlException ex) when (history is null)
                {
                    topicsReason = "the database did not answer: " + ex.Message;
                }
            }

            var source = dashboard.Topics.Source with { Reason = topicsReason };
            return Answer(await query(dashboard.Topics, asset, span, source).ConfigureAwait(false), source);
        }
        catch (NpgsqlException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, "the database did not answer: " + ex.Message);
        }
        catch (HistoryUnavailableException ex)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, ex.Message);
        }
    }

    private static SourcedResult Answer<T>(T body, HistorySource source) => new SourcedResult(Results.Json(body, ManagementApiServer.Json), source);

    /// <summary>Adds the <c>History-Source</c> header (<c>topics; no database is configured …</c>) to a JSON answer.</summary>
    private sealed class SourcedResult(IResult inner, HistorySource source) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            // A header is one line of ASCII; the reason is for people, the name is what clients match on.
            var reason = source.Reason is null ? string.Empty : "; " + new string([.. source.Reason.Select(c => c is >= ' ' and <= '~' ? c : ' ')]);
            httpContext.Response.Headers["History-Source"] = source.Name + reason;
            return inner.ExecuteAsync(httpContext);
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
