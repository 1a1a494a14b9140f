using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Core.Polling;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Coinpaprika;

/// <summary>Polls Coinpaprika's ticker endpoint one coin per call, coins in turn, within the monthly call budget.</summary>
public sealed class CoinpaprikaConnector : PricePollingConnector
{
    private static readonly TimeSpan BudgetPeriod = TimeSpan.FromDays(31);

    private readonly CoinpaprikaOptions _options;
    private readonly string[] _ids;

    public CoinpaprikaConnector(CoinpaprikaOptions options, HttpClient http, IFrameRecorder recorder, ISourceHealth health, TimeProvider time, ILogger<CoinpaprikaConnector> logger, TrackedSymbols? tracked = null)
        : base(options, new CoinpaprikaParser(options.EffectiveCoins()), http, recorder, health, time, logger, tracked)
    {
        _options = options;
        _ids = [.. options.EffectiveCoins().Keys.Order(StringComparer.Ordinal)];
    }

    protected override int CallsPerRefresh => Math.Max(1, _ids.Length);

    /// <summary>The interval spread over the coins, stretched so a month of calls stays within the budget.</summary>
    protected override TimeSpan CallSpacing
    {
        get
        {
            var budgetSpacing = BudgetPeriod / _options.MonthlyCallBudget;
            var wanted = base.CallSpacing;
            return wanted > budgetSpacing ? wanted : budgetSpacing;
        }
    }

    protected override (HttpRequestMessage Request, string Channel) CreateCall(long callNumber)
    {
        var ids = TrackedCoinIds();
        var id = ids[(int)(callNumber % ids.Count)];
        return (new HttpRequestMessage(HttpMethod.Get, new Uri(_options.BaseUrl!, "v1/tickers/" + Uri.EscapeDataString(id))), "rest:tickers");
    }
}
