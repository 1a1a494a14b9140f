using System.Globalization;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>Trade ids of the exchanges we read are whole numbers increasing per symbol.</summary>
internal static class TradeIds
{
    public static long Numeric(Tick tick) =>
        long.TryParse(tick.TradeId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1;
}
