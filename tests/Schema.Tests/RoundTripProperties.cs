using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using FsCheck.Xunit;

namespace CryptoStreams.Schema.Tests;

[Properties(Arbitrary = [typeof(RecordGenerators)], MaxTest = 300)]
public class RoundTripProperties
{
    private static T RoundTrip<T>(T value) where T : class => RecordJson.Deserialize<T>(RecordJson.Serialize(value));

    [Property] public bool Tick_round_trips(Tick value) => RoundTrip(value) == value;

    [Property] public bool OracleRound_round_trips(OracleRound value) => RoundTrip(value) == value;

    [Property] public bool Candle_round_trips(Candle value) => RoundTrip(value) == value;

    [Property] public bool Consensus_round_trips(Consensus value) => RoundTrip(value) == value;

    [Property] public bool Deviation_round_trips(Deviation value) => RoundTrip(value) == value;

    [Property] public bool CrossoverSignal_round_trips(CrossoverSignal value) => RoundTrip(value) == value;

    [Property] public bool DeadLetter_round_trips(DeadLetter value) => RoundTrip(value) == value;

    [Property] public bool Gap_round_trips(Gap value) => RoundTrip(value) == value;

    // decimal equality ignores trailing zeros (1.10 == 1.1); the text must keep every digit too.
    [Property]
    public bool Decimal_text_keeps_every_digit(Tick value)
    {
        var back = RoundTrip(value);
        return back.Price.ToString(System.Globalization.CultureInfo.InvariantCulture) == value.Price.ToString(System.Globalization.CultureInfo.InvariantCulture)
            && back.Size.ToString(System.Globalization.CultureInfo.InvariantCulture) == value.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
