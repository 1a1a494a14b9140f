using CryptoStreams.Schema;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Streamiz.Kafka.Net.SerDes;
using static CryptoStreams.Topology.Tests.Market;

namespace CryptoStreams.Topology.Tests;

/// <summary>The aggregators as plain classes, without Streamiz.</summary>
public sealed class AggregatorTests
{
    [Property(MaxTest = 200)]
    public void A_candle_does_not_depend_on_arrival_order(NonEmptyArray<PositiveInt> prices, int seed)
    {
        // Distinct event times; prices from the generated values.
        var ticks = prices.Get.Select((p, i) => Trade(Sources.Okx, "BTC-USDT", p.Get, (i % 3) + 1, At(0, i))).ToList();
        var shuffled = ticks.OrderBy(_ => new Random(seed).Next()).ToList();

        Assert.Equal(Fold(ticks).ToCandle(At(0), At(1), Coverage.Complete, true), Fold(shuffled).ToCandle(At(0), At(1), Coverage.Complete, true));
    }

    [Fact]
    public void Equal_event_times_keep_arrival_order_the_first_opens_and_the_last_closes()
    {
        var candle = Fold([Trade(Sources.Okx, "BTC-USDT", 1m, 1m, At(0, 5)), Trade(Sources.Okx, "BTC-USDT", 2m, 1m, At(0, 5)), Trade(Sources.Okx, "BTC-USDT", 3m, 1m, At(0, 5))]);

        Assert.Equal((1m, 3m), (candle.Open, candle.Close));
    }

    [Fact]
    public void Trades_of_size_zero_give_the_mean_price_as_vwap()
    {
        var candle = Fold([Trade(Sources.Okx, "BTC-USDT", 10m, 0m, At(0, 1)), Trade(Sources.Okx, "BTC-USDT", 20m, 0m, At(0, 2))]);

        Assert.Equal((15m, 0m), (candle.Vwap, candle.Volume));
    }

    [Fact]
    public void When_every_source_would_be_an_outlier_none_is_excluded()
    {
        var calculator = new ConsensusCalculator(new TopologyOptions());
        var candles = new[]
        {
            new Candle(Sources.Binance, "BTC-USDT", TickKind.Trade, At(0), At(1), 100m, 100m, 100m, 100m, 100m, 1m, 1, Coverage.Complete, true),
            new Candle(Sources.Coinbase, "BTC-USD", TickKind.Trade, At(0), At(1), 110m, 110m, 110m, 110m, 110m, 1m, 1, Coverage.Complete, true),
        };

        var consensus = calculator.Compute("BTC", At(0), At(1), candles);

        Assert.Equal((105m, 2, 0), (consensus.Median!.Value, consensus.SourcesUsed.Count, consensus.SourcesExcluded.Count));
    }

    [Fact]
    public void The_ema_is_seeded_with_the_sma_and_then_weights_the_latest_close()
    {
        var detector = new CrossoverDetector(MovingAverageKind.Ema, 2, 3);
        foreach (var close in new[] { 3m, 6m, 9m })
        {
            detector.Add("X-USD", close, At(0), At(1));
        }

        Assert.Equal(((2m / 3 * 9m) + ((1 - (2m / 3)) * 4.5m), 6m), (detector.ShortAverage, detector.LongAverage));
        detector.Add("X-USD", 12m, At(1), At(2));
        Assert.Equal((0.5m * 12m) + (0.5m * 6m), detector.LongAverage);
    }

    [Fact]
    public void The_oracle_history_answers_as_of_an_instant_and_forgets_only_rounds_that_can_no_longer_be_in_force()
    {
        var history = new OracleHistory();
        history.Add(Round("BTC-USD", 2, 101m, At(0, 30)));
        history.Add(Round("BTC-USD", 1, 100m, At(-50)));
        history.Add(Round("BTC-USD", 3, 102m, At(1, 30)));

        Assert.Null(history.AsOf(At(-60)));
        Assert.Equal(101m, history.AsOf(At(1))!.Answer);

        history.Settle(At(1));

        Assert.Equal([2UL, 3UL], history.Rounds.Select(r => (ulong)r.RoundId));
        Assert.Equal(101m, history.AsOf(At(1, 10))!.Answer);
    }

    [Fact]
    public void State_written_to_a_store_and_read_back_continues_exactly_where_it_left_off()
    {
        var detector = new CrossoverDetector(MovingAverageKind.Sma, 2, 3);
        var twin = new CrossoverDetector(MovingAverageKind.Sma, 2, 3);
        foreach (var close in new[] { 10m, 10m, 10m, 9m })
        {
            detector.Add("X-USD", close, At(0), At(1));
            twin.Add("X-USD", close, At(0), At(1));
        }

        var serdes = new BinaryStateSerDes<CrossoverDetector>();
        var restored = serdes.Deserialize(serdes.Serialize(detector, default), default);

        Assert.Equal(twin.Add("X-USD", 12m, At(4), At(5)), restored.Add("X-USD", 12m, At(4), At(5)));
        Assert.Equal(CrossoverDirection.Golden, detector.Add("X-USD", 12m, At(4), At(5))!.Direction);
    }

    [Fact]
    public void Window_gap_and_progress_entries_survive_a_round_trip_through_their_store_format()
    {
        var window = new WindowEntry("BTC", At(0).UtcTicks);
        window.Candles.Add(CandleAccumulator.Start(Trade(Sources.Binance, "BTC-USDT", 99902.01m, 0.0052m, At(0, 1))));
        window.Candles[0].LastOffset = 41;
        var gaps = new GapEntry("BTC") { LastOffset = 7 };
        gaps.Gaps.Add(new GapMark(Sources.Okx, "BTC-USDT", At(0, 10).UtcTicks, At(0, 50).UtcTicks, At(0, 51).UtcTicks));
        var progress = new ProgressEntry { ClosedUpTo = At(1, 3).UtcTicks };
        progress.Inputs[Topics.RawBinance] = (42, At(1, 3).UtcTicks);
        var serdes = new BinaryStateSerDes<MarketEntry>();

        foreach (MarketEntry entry in new MarketEntry[] { window, gaps, progress })
        {
            var bytes = serdes.Serialize(entry, default);
            var restored = serdes.Deserialize(bytes, default);
            Assert.Equal(entry.GetType(), restored.GetType());
            Assert.Equal(bytes, serdes.Serialize(restored, default));
        }

        var candle = ((WindowEntry)serdes.Deserialize(serdes.Serialize(window, default), default)).Candles[0];
        Assert.Equal(window.Candles[0].ToCandle(At(0), At(1), Coverage.Complete, false), candle.ToCandle(At(0), At(1), Coverage.Complete, false));
        Assert.Equal(41, candle.LastOffset);

        // State of the previous format (one entry per asset, format 1) is refused with the advice to reset.
        var old = serdes.Serialize(window, default);
        old[0] = 1;
        Assert.Contains("reset", Assert.Throws<InvalidDataException>(() => serdes.Deserialize(old, default)).Message, StringComparison.Ordinal);
    }

    private static CandleAccumulator Fold(List<Tick> ticks)
    {
        var candle = CandleAccumulator.Start(ticks[0]);
        foreach (var tick in ticks.Skip(1))
        {
            candle.Add(tick);
        }

        return candle;
    }
}
