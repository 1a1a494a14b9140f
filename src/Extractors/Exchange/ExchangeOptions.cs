using System.ComponentModel.DataAnnotations;
using CryptoStreams.Schema;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Settings every exchange connector shares (<c>Extractors:&lt;Venue&gt;</c>). Symbols are canonical
/// (<c>BTC-USDT</c>); each connector spells them the venue's way.
/// </summary>
public abstract class ExchangeOptions
{
    /// <summary>Switches the venue off without removing its settings.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>WebSocket base address (ws:// or wss://).</summary>
    [Required]
    public string WebSocketUrl { get; set; } = string.Empty;

    /// <summary>REST base address (http:// or https://) for backfill and tokens.</summary>
    [Required]
    public string RestUrl { get; set; } = string.Empty;

    /// <summary>Canonical symbols to stream.</summary>
    [Required]
    [MinLength(1)]
    public IList<string> Symbols { get; } = [];

    /// <summary>No frame for this long means the socket is dead even if TCP says otherwise.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Time allowed for the TCP/TLS/WebSocket handshake.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>First reconnect delay; doubles per failed attempt (with jitter) up to <see cref="ReconnectMaxDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Upper bound of trades fetched per symbol when backfilling one disconnect.</summary>
    [Range(0, 1_000_000)]
    public int MaxBackfillTrades { get; set; } = 20_000;

    /// <summary>Timeout of one REST request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan RestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest Retry-After we honour before giving the backfill up (the rest becomes a gap record).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Attempts per REST request (429, 5xx and transport errors are retried).</summary>
    [Range(1, 20)]
    public int RestAttempts { get; set; } = 4;

    /// <summary>Planned reconnect after this long, before the venue cuts the connection itself (zero = never).</summary>
    public TimeSpan MaxSessionLifetime { get; set; } = TimeSpan.Zero;
}

/// <summary>Validates the parts of <see cref="ExchangeOptions"/> data annotations cannot express.</summary>
public sealed class ExchangeOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : ExchangeOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var section = typeof(TOptions).Name.Replace("Options", string.Empty, StringComparison.Ordinal);
        var failures = new List<string>();
        if (!Uri.TryCreate(options.WebSocketUrl, UriKind.Absolute, out var ws) || ws.Scheme is not ("ws" or "wss"))
        {
            failures.Add($"Extractors:{section}:WebSocketUrl '{options.WebSocketUrl}' must be an absolute ws:// or wss:// address.");
        }

        if (!Uri.TryCreate(options.RestUrl, UriKind.Absolute, out var rest) || rest.Scheme is not ("http" or "https"))
        {
            failures.Add($"Extractors:{section}:RestUrl '{options.RestUrl}' must be an absolute http:// or https:// address.");
        }

        if (options.Symbols.Count == 0)
        {
            failures.Add($"Extractors:{section}:Symbols is empty; list canonical symbols such as BTC-USDT or switch the venue off (Enabled=false).");
        }

        foreach (var symbol in options.Symbols)
        {
            if (!CanonicalSymbol.TryParse(symbol, out _, out var error))
            {
                failures.Add($"Extractors:{section}:Symbols '{symbol}': {error}.");
            }
        }

        if (options.ReconnectMaxDelay < options.ReconnectInitialDelay)
        {
            failures.Add($"Extractors:{section}:ReconnectMaxDelay must not be below ReconnectInitialDelay.");
        }

        if (options.MaxSessionLifetime < TimeSpan.Zero)
        {
            failures.Add($"Extractors:{section}:MaxSessionLifetime must not be negative.");
        }

        failures.AddRange(ValidateVenue(options));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static IEnumerable<string> ValidateVenue(TOptions options) =>
        options is IVenueOptionsValidation venue ? venue.Validate() : [];
}

/// <summary>Venue-specific checks, run by <see cref="ExchangeOptionsValidator{TOptions}"/>.</summary>
public interface IVenueOptionsValidation
{
    IEnumerable<string> Validate();
}
