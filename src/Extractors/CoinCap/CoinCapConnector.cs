using System.Net.Http.Headers;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Core.Polling;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.CoinCap;

/// <summary>Polls CoinCap v3's assets endpoint for every configured coin in one call, authenticated with the API key.</summary>
public sealed class CoinCapConnector : PricePollingConnector
{
    private readonly CoinCapOptions _options;

    public CoinCapConnector(CoinCapOptions options, HttpClient http, IFrameRecorder recorder, ISourceHealth health, TimeProvider time, ILogger<CoinCapConnector> logger, TrackedSymbols? tracked = null)
        : base(options, new CoinCapParser(options.EffectiveCoins()), http, recorder, health, time, logger, tracked)
    {
        _options = options;
    }

    protected override string? SwitchedOffReason =>
        base.SwitchedOffReason
        ?? (string.IsNullOrWhiteSpace(_options.ApiKey)
            ? "no API key: CoinCap v3 requires one (set Extractors:CoinCap:ApiKey or CRYPTOSTREAMS__Extractors__CoinCap__ApiKey); the keyless v2 API was shut down on 2025-03-31"
            : null);

    protected override int CallsPerRefresh => 1;

    protected override (HttpRequestMessage Request, string Channel) CreateCall(long callNumber)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_options.BaseUrl!, "v3/assets?ids=" + Uri.EscapeDataString(string.Join(',', TrackedCoinIds()))));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        return (request, "rest:assets");
    }
}
