using CryptoStreams.Schema;
using FsCheck.Xunit;

namespace CryptoStreams.Schema.Tests;

public class CanonicalSymbolTests
{
    [Theory]
    [InlineData("BTCUSDT", "BTC-USDT")] // Binance
    [InlineData("btcusdt", "BTC-USDT")] // Binance stream names
    [InlineData("ETHBTC", "ETH-BTC")]
    [InlineData("BTC-USDT", "BTC-USDT")] // KuCoin, OKX
    [InlineData("BTC-USD", "BTC-USD")] // Coinbase
    [InlineData("btc_usdt", "BTC-USDT")] // Gate, MEXC
    [InlineData("XBT/USD", "BTC-USD")] // Kraken websocket v1
    [InlineData("XXBTZUSD", "BTC-USD")] // Kraken REST
    [InlineData("XETHXXBT", "ETH-BTC")]
    [InlineData("tBTCUSD", "BTC-USD")] // Bitfinex
    [InlineData("tBTC:USD", "BTC-USD")]
    [InlineData("tBTCUST", "BTC-USDT")]
    [InlineData("LINK/USD", "LINK-USD")] // Chainlink feed names
    [InlineData("1INCHUSDT", "1INCH-USDT")]
    [InlineData("BTCFDUSD", "BTC-FDUSD")]
    [InlineData(" eth-usdc ", "ETH-USDC")]
    public void Venue_spellings_become_canonical(string venue, string canonical)
    {
        Assert.Equal(canonical, CanonicalSymbol.Parse(venue).ToString());
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("BTC-USDT-SWAP", "more than one separator")] // OKX perpetual
    [InlineData("BTC-USD-251226", "more than one separator")] // dated future
    [InlineData("BTCXYZ", "no known quote currency")]
    [InlineData("USDT", "no known quote currency")]
    [InlineData("BTC-", "must have 2 to 12 characters")]
    [InlineData("-USD", "must have 2 to 12 characters")]
    [InlineData("BT€-USD", "only ASCII letters and digits")]
    [InlineData("USD-USD", "base and quote are both USD")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-USD", "longer than 32")]
    public void Unreadable_symbols_say_why(string? venue, string reason)
    {
        var ex = Assert.Throws<SymbolFormatException>(() => CanonicalSymbol.Parse(venue));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.False(CanonicalSymbol.TryParse(venue, out _));
    }

    [Property(MaxTest = 2000)]
    public bool Garbage_never_throws_anything_but_SymbolFormatException(string? text)
    {
        try
        {
            var symbol = CanonicalSymbol.Parse(text);
            return symbol.ToString() == CanonicalSymbol.Parse(symbol.ToString()).ToString();
        }
        catch (SymbolFormatException)
        {
            return true;
        }
    }

    [Fact]
    public void Asset_is_the_base_currency()
    {
        Assert.Equal("BTC", CanonicalSymbol.AssetOf("BTC-USDT"));
        Assert.Equal("LINK", CanonicalSymbol.AssetOf("LINK-USD"));
    }
}
