using System.Text.Json;
using System.Text.Json.Serialization;
using CryptoStreams.Cli.Dashboard;
using CryptoStreams.Schema;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace CryptoStreams.Cli.Api;

/// <summary>Body of <c>POST /symbols</c>.</summary>
internal sealed record SymbolRequest(string? Symbol);

/// <summary>
/// The management API on 127.0.0.1:5000: <c>/health</c>, <c>/status</c>, <c>/metrics</c> (Prometheus) and
/// <c>/symbols</c>. It is its own small web application beside the stages, so a run without it (tests, a second
/// pipeline) does not take the port, and it reads the stages only through their status snapshots.
/// </summary>
internal sealed class ManagementApiServer : IAsyncDisposable
{
    /// <summary>Every meter of the pipeline: <c>CryptoStreams.Broker</c>, <c>CryptoStreams.Loader</c>, …</summary>
    public const string MeterWildcard = "CryptoStreams.*";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    private readonly WebApplication app;

    private ManagementApiServer(WebApplication app, Uri url)
    {
        this.app = app;
        Url = url;
    }

    /// <summary>Where it listens (the real port when <see cref="ApiOptions.Port"/> was 0).</summary>
    public Uri Url { get; }

    public static async Task<ManagementApiServer> StartAsync(
        ApiOptions options,
        ISymbolRegistry symbols,
        IReadOnlyList<IStageStatusSource> stages,
        TimeProvider time,
        ILoggerFactory? loggerFactory = null,
        DashboardSources? dashboard = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(symbols);
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(time);
        var validation = new ApiOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new InvalidOperationException(validation.FailureMessage);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "cryptostreams-api" });
        // The API is configured through ApiOptions only, not the process environment or an appsettings.json of its own.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.WebHost.UseUrls(options.Url.ToString());
        builder.Services.AddSingleton(symbols);
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(MeterWildcard).AddPrometheusExporter());

        var app = builder.Build();
        if (!string.IsNullOrEmpty(options.Token))
        {
            app.Use(new BearerToken(options.Token).Check);
        }

        var startedAt = time.GetUtcNow();
        app.MapGet("/health", () => Results.Json(new { status = "ok", stages = stages.Select(s => s.Stage).ToList() }, Json));
        object Status()
        {
            var now = time.GetUtcNow();
            var snapshot = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var stage in stages)
            {
                try
                {
                    snapshot[stage.Stage] = JsonSerializer.SerializeToElement(stage.Snapshot(), Json);
                }
                catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException or JsonException)
                {
                    // One stage's odd snapshot must not take the whole status page down.
                    snapshot[stage.Stage] = new { error = $"status unavailable: {ex.Message}" };
                }
            }

            return new { startedAt, uptimeSeconds = Math.Round((now - startedAt).TotalSeconds, 1), symbols = symbols.Symbols, stages = snapshot };
        }

        app.MapGet("/status", () => Results.Json(Status(), Json));
        if (dashboard is not null)
        {
            // The page reads the same status document (over its event stream) that /status answers.
            DashboardEndpoints.Map(app, dashboard, symbols, Status, time);
        }

        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/symbols", () => Results.Json(symbols.Symbols, Json));
        app.MapPost("/symbols", (SymbolRequest? request) =>
        {
            if (!CanonicalSymbol.TryParse(request?.Symbol, out var symbol, out var error))
            {
                return Results.Json(new { error = $"cannot read symbol '{request?.Symbol}': {error}" }, Json, statusCode: StatusCodes.Status400BadRequest);
            }

            var added = symbols.Add(symbol);
            return Results.Json(new { symbol = symbol.ToString(), added, symbols = symbols.Symbols }, Json,
                statusCode: added ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        });
        app.MapDelete("/symbols/{symbol}", (string symbol) =>
        {
            if (!CanonicalSymbol.TryParse(symbol, out var parsed, out var error))
            {
                return Results.Json(new { error = $"cannot read symbol '{symbol}': {error}" }, Json, statusCode: StatusCodes.Status400BadRequest);
            }

            return symbols.Remove(parsed)
                ? Results.Json(new { symbol = parsed.ToString(), removed = true, symbols = symbols.Symbols }, Json)
                : Results.Json(new { error = $"{parsed} is not tracked" }, Json, statusCode: StatusCodes.Status404NotFound);
        });

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"the management API cannot listen on {options.Url}: {ex.Message} (set Api:Port, or Api:Enabled=false)", ex);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return new ManagementApiServer(app, address is null ? options.Url : new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
