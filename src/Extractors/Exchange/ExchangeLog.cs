using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>Source-generated log messages of the exchange connectors.</summary>
internal static partial class ExchangeLog
{
    [LoggerMessage(EventId = 7100, Level = LogLevel.Information, Message = "{Source}: switched off (Extractors:{Source}:Enabled=false)")]
    public static partial void SwitchedOff(this ILogger logger, string source);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Information, Message = "{Source}: connected to {Endpoint}, subscribed to {Symbols}")]
    public static partial void Connected(this ILogger logger, string source, string endpoint, string symbols);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "{Source}: session ended ({Reason}); reconnecting in {Delay}")]
    public static partial void SessionEnded(this ILogger logger, string source, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Warning, Message = "{Source}: no frame for {Silence}, treating the socket as dead")]
    public static partial void Stalled(this ILogger logger, string source, TimeSpan silence);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Information, Message = "{Source}: planned reconnect ({Reason})")]
    public static partial void PlannedReconnect(this ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 7111, Level = LogLevel.Information, Message = "{Source}: planned reconnect, the session is older than {Lifetime}")]
    public static partial void LifetimeReached(this ILogger logger, string source, TimeSpan lifetime);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Information, Message = "{Source} {Symbol}: backfilled {Count} trades after the disconnect ({Coverage})")]
    public static partial void Backfilled(this ILogger logger, string source, string symbol, long count, Schema.GapCoverage coverage);

    [LoggerMessage(EventId = 7106, Level = LogLevel.Warning, Message = "{Source} {Symbol}: gap {From:o} .. {To:o} not fully covered: {Detail}")]
    public static partial void GapPublished(this ILogger logger, string source, string symbol, DateTimeOffset from, DateTimeOffset to, string detail);

    [LoggerMessage(EventId = 7107, Level = LogLevel.Warning, Message = "{Source}: rate limited by {Url} (HTTP {Status}); waiting {Delay}")]
    public static partial void RateLimited(this ILogger logger, string source, string url, int status, TimeSpan delay);

    [LoggerMessage(EventId = 7108, Level = LogLevel.Warning, Message = "{Source}: REST {Url} failed (attempt {Attempt}): {Error}")]
    public static partial void RestFailed(this ILogger logger, string source, string url, int attempt, string error);

    [LoggerMessage(EventId = 7109, Level = LogLevel.Debug, Message = "{Source}: frame rejected ({Reason}: {Detail})")]
    public static partial void Rejected(this ILogger logger, string source, string reason, string detail);

    [LoggerMessage(EventId = 7110, Level = LogLevel.Warning, Message = "{Source} {Symbol}: backfill failed: {Error}")]
    public static partial void BackfillFailed(this ILogger logger, string source, string symbol, string error);

    [LoggerMessage(EventId = 7112, Level = LogLevel.Warning, Message = "{Source}: not subscribing to {Why} (instrument list)")]
    public static partial void NotSubscribing(this ILogger logger, string source, string why);

    [LoggerMessage(EventId = 7113, Level = LogLevel.Information, Message = "{Source}: subscribing again to what was left out before: {Was}")]
    public static partial void AvailableAgain(this ILogger logger, string source, string was);

    [LoggerMessage(EventId = 7114, Level = LogLevel.Information, Message = "{Source}: instrument list refreshed, {Count} instruments; tracked symbols not trading here: {Unavailable}")]
    public static partial void InstrumentsRefreshed(this ILogger logger, string source, int count, string unavailable);

    [LoggerMessage(EventId = 7115, Level = LogLevel.Information, Message = "{Source} {Symbol}: published {Count} venue candles ({From:o} .. {To:o})")]
    public static partial void CandlesPublished(this ILogger logger, string source, string symbol, int count, DateTimeOffset from, DateTimeOffset to);

    [LoggerMessage(EventId = 7116, Level = LogLevel.Warning, Message = "{Source} {Symbol}: candle backfill failed: {Error}")]
    public static partial void CandleBackfillFailed(this ILogger logger, string source, string symbol, string error);
}
