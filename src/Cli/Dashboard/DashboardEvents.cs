using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using CryptoStreams.Cli.Api;

namespace CryptoStreams.Cli.Dashboard;

/// <summary>
/// Fans the dashboard's live events out to every open page: one bounded queue per Server-Sent-Events connection, so a
/// slow browser loses its oldest events instead of holding up the feed or the other pages.
/// </summary>
internal sealed class DashboardEvents
{
    private const int QueuedPerPage = 4096;

    // One event per line: the API's options without the indentation.
    private static readonly JsonSerializerOptions Json = new(ManagementApiServer.Json) { WriteIndented = false };

    private readonly ConcurrentDictionary<Channel<string>, bool> pages = new();

    public int Pages => pages.Count;

    /// <summary>Frames (<c>event: …\ndata: …\n\n</c>) for one page until <paramref name="cancellationToken"/> ends its connection.</summary>
    public async IAsyncEnumerable<string> ReadAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(QueuedPerPage) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        pages[channel] = true;
        try
        {
            await foreach (var frame in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return frame;
            }
        }
        finally
        {
            pages.TryRemove(channel, out _);
        }
    }

    public void Publish(string name, object payload)
    {
        if (pages.IsEmpty)
        {
            return;
        }

        var frame = Frame(name, payload);
        foreach (var page in pages.Keys)
        {
            page.Writer.TryWrite(frame);
        }
    }

    public static string Frame(string name, object payload) =>
        $"event: {name}\ndata: {JsonSerializer.Serialize(payload, payload.GetType(), Json)}\n\n";
}
