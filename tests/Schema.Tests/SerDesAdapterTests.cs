using System.Text;
using Confluent.Kafka;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using FsCheck.Xunit;

namespace CryptoStreams.Schema.Tests;

[Properties(Arbitrary = [typeof(RecordGenerators)], MaxTest = 100)]
public class SerDesAdapterTests
{
    private static readonly SerializationContext Context = new(MessageComponentType.Value, Topics.RawBinance);

    [Property]
    public bool Streamiz_serdes_round_trips(Candle candle)
    {
        var serdes = new RecordSerDes<Candle>();
        return serdes.Deserialize(serdes.Serialize(candle, Context), Context) == candle;
    }

    [Property]
    public bool Confluent_serializer_round_trips(Deviation deviation)
    {
        var serializer = new RecordSerializer<Deviation>();
        var bytes = serializer.Serialize(deviation, Context);
        return serializer.Deserialize(bytes, isNull: false, Context) == deviation;
    }

    [Fact]
    public void Both_adapters_write_the_same_bytes_as_RecordJson()
    {
        var tick = new Tick(Sources.Okx, TickKind.Trade, "ETH-USDT", 3012.5m, 0.25m, TradeSide.Buy, "42",
            new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 25, 12, 0, 0, 5, TimeSpan.Zero));

        var expected = RecordJson.SerializeToString(tick);

        Assert.Equal(expected, Encoding.UTF8.GetString(new RecordSerDes<Tick>().Serialize(tick, Context)));
        Assert.Equal(expected, Encoding.UTF8.GetString(new RecordSerializer<Tick>().Serialize(tick, Context)));
    }

    [Fact]
    public void Tombstones_read_as_null()
    {
        Assert.Null(new RecordSerDes<Tick>().Deserialize(null!, Context));
        Assert.Null(new RecordSerializer<Tick>().Deserialize(ReadOnlySpan<byte>.Empty, isNull: true, Context));
    }
}
