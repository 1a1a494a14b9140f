using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Core.Polling;

/// <summary>
/// Collects the quotes of one API response and the problems found in it, and turns them into one
/// <see cref="FrameParseResult"/>: valid quotes are kept even when other entries of the same response are bad.
/// </summary>
public sealed class QuoteBatch(string source, DateTimeOffset receivedAt)
{
    private readonly List<Tick> _ticks = [];
    private string? _reason;
    private readonly List<string> _problems = [];

    /// <summary>A USD quote of <paramref name="asset"/>; a price that is not positive is a problem, not a tick.</summary>
    public void AddUsdQuote(string apiId, string asset, decimal price, DateTimeOffset updatedAt)
    {
        if (price <= 0)
        {
            Problem("invalid-price", $"{apiId}: price {price} is not positive");
            return;
        }

        _ticks.Add(new Tick(source, TickKind.Quote, asset + "-USD", price, 0m, TradeSide.Unknown, null, updatedAt, receivedAt));
    }

    /// <summary>Notes a bad entry; the first reason becomes the dead letter's reason code.</summary>
    public void Problem(string reason, string detail)
    {
        _reason ??= reason;
        _problems.Add(detail);
    }

    public FrameParseResult ToResult()
    {
        if (_reason is null)
        {
            return FrameParseResult.Of(_ticks);
        }

        return new FrameParseResult(_ticks, _reason, string.Join("; ", _problems));
    }
}
