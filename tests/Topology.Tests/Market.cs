using CryptoStreams.Schema;

namespace CryptoStreams.Topology.Tests;

/// <summary>Small builders for the records the specifications pipe in.</summary>
internal static class Market
{
    /// <summary>A window start: 10:00 UTC on a Monday.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset At(int minute, double second = 0) => T0.AddMinutes(minute).AddSeconds(second);

    public static Tick Trade(string source, string symbol, decimal price, decimal size, DateTimeOffset at) =>
        new(source, TickKind.Trade, symbol, price, size, TradeSide.Buy, $"{source}-{at.UtcTicks}", at, at.AddMilliseconds(80));

    public static Tick Quote(string source, string symbol, decimal price, DateTimeOffset at) =>
        new(source, TickKind.Quote, symbol, price, 0m, TradeSide.Unknown, null, at, at.AddSeconds(2));

    public static OracleRound Round(string symbol, ulong round, decimal answer, DateTimeOffset updatedAt) =>
        new(Sources.Chainlink, symbol, "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c", new UInt128(1, round), answer, 8,
            updatedAt.AddSeconds(-12), updatedAt, new UInt128(1, round), updatedAt.AddSeconds(5));

    public static Gap Gap(string source, string symbol, DateTimeOffset from, DateTimeOffset to, GapCoverage coverage) =>
        new(source, symbol, from, to, 0, coverage, "disconnect: stalled", to.AddSeconds(1));
}
