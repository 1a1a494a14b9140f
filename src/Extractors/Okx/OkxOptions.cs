using CryptoStreams.Extractors.Exchange;

namespace CryptoStreams.Extractors.Okx;

/// <summary>OKX v5 public trades (<c>Extractors:Okx</c>).</summary>
public sealed class OkxOptions : ExchangeOptions, IVenueOptionsValidation
{
    public const string Section = "Extractors:Okx";

    public OkxOptions()
    {
        WebSocketUrl = "wss://ws.okx.com:8443/ws/v5/public";
        RestUrl = "https://www.okx.com";
        StallTimeout = TimeSpan.FromSeconds(45);
    }

    /// <summary>OKX drops a connection after 30 s without traffic; send <c>ping</c> after this much silence.</summary>
    public TimeSpan PingAfterSilence { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Trades per history page (OKX allows up to 100).</summary>
    public int BackfillPageSize { get; set; } = 100;

    public IEnumerable<string> Validate()
    {
        if (PingAfterSilence <= TimeSpan.Zero || PingAfterSilence >= TimeSpan.FromSeconds(30))
        {
            yield return "Extractors:Okx:PingAfterSilence must be above zero and below 30 s (OKX closes silent connections at 30 s).";
        }

        if (StallTimeout <= PingAfterSilence)
        {
            yield return "Extractors:Okx:StallTimeout must exceed PingAfterSilence, or the pong could never arrive in time.";
        }

        if (BackfillPageSize is < 1 or > 100)
        {
            yield return "Extractors:Okx:BackfillPageSize must be 1..100.";
        }
    }
}
