using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Core.Polling;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.CoinGecko;

/// <summary>Polls CoinGecko's simple price endpoint for every configured coin in one call.</summary>
public sealed class CoinGeckoConnector : PricePollingConnector
{
    private readonly CoinGeckoOptions _options;

    public CoinGeckoConnector(CoinGeckoOptions options, HttpClient http, IFrameRecorder recorder, ISourceHealth health, TimeProvider time, ILogger<CoinGeckoConnector> logger, TrackedSymbols? tracked = null)
        : base(options, new CoinGeckoParser(options.EffectiveCoins()), http, recorder, health, time, logger, tracked)
    {
        _options = options;
    }

    protected override int CallsPerRefresh => 1;

    protected override (HttpRequestMessage Request, string Channel) CreateCall(long callNumber)
    {
        var request = new HttpRequestMessage(
            HttpMethod.Get,
            new Uri(_options.BaseUrl!, $"api/v3/simple/price?ids={Uri.EscapeDataString(string.Join(',', TrackedCoinIds()))}&vs_currencies=usd&include_last_updated_at=true"));
        if (!string.IsNullOrWhiteSpace(_options.DemoApiKey))
        {
            request.Headers.Add("x-cg-demo-api-key", _options.DemoApiKey);
        }

        return (request, "rest:simple/price");
    }
}
