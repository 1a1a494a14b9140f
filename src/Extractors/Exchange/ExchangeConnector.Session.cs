using System.Net.WebSockets;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Exchange;

// One session: connect, subscribe, read frames; the watchdog (stall detection, pings, the planned renewal before
// the venue's own cut); publishing the frames' ticks through the trade ledger.
public abstract partial class ExchangeConnector
{
    private static bool IsConnectionFailure(Exception ex) =>
        ex is WebSocketException or HttpRequestException or IOException or TimeoutException or RestCallException
            or OperationCanceledException or InvalidOperationException or System.Text.Json.JsonException or UriFormatException;

    private async Task<(string Reason, bool Planned)> RunSessionAsync(RunState run, CancellationToken cancellationToken)
    {
        run.SessionDeliveredFrames = false;
        var endpoint = await ResolveEndpointAsync(cancellationToken).ConfigureAwait(false);
        using var socket = new ClientWebSocket();

        // Protocol-level pings from the venue (Binance) are answered by the socket itself while a receive is pending.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        using (var connectTimeout = new CancellationTokenSource(options.ConnectTimeout, Time))
        using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, connectTimeout.Token))
        {
            await socket.ConnectAsync(endpoint.Uri, connecting.Token).ConfigureAwait(false);
        }

        using var session = new ExchangeSession(socket, Time);
        using var sessionCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watchdog = WatchAsync(session, endpoint.Heartbeat, sessionCancel.Token);
        Task? backfill = null;
        try
        {
            await SubscribeAsync(session, sessionCancel.Token).ConfigureAwait(false);
            session.Subscribed = true;
            status.Connected(true);
            health.Connected(Source);
            var subscribed = string.Join(',', Symbols);
            Logger.Connected(Source, endpoint.Uri.Authority, subscribed);
            Volatile.Write(ref currentSession, session);

            // A change that arrived while connecting would otherwise wait for the next one.
            EndSessionIfSymbolsChanged();
            if (run.Reconnecting)
            {
                backfill = BackfillAfterReconnectAsync(run, sessionCancel.Token, cancellationToken);
            }

            while (true)
            {
                var frame = await session.ReceiveAsync(sessionCancel.Token).ConfigureAwait(false);
                if (frame is null)
                {
                    return ($"closed by {Source}: {session.CloseDescription}", false);
                }

                var receivedAt = Time.GetUtcNow();
                run.SessionDeliveredFrames = true;
                recorder.Record(Source, FrameChannels.WebSocket, frame.Value.Span, receivedAt);
                status.Frame(receivedAt);
                if (IsReconnectSignal(frame.Value.Span))
                {
                    Logger.PlannedReconnect(Source, "the venue announced a shutdown");
                    await HandleFrameAsync(run, frame.Value, receivedAt, cancellationToken).ConfigureAwait(false);
                    return ("venue announced a shutdown", true);
                }

                await HandleFrameAsync(run, frame.Value, receivedAt, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (session.EndReason is not null && !cancellationToken.IsCancellationRequested && IsConnectionFailure(ex))
        {
            return (session.EndReason, session.PlannedEnd);
        }
        finally
        {
            Volatile.Write(ref currentSession, null);
            status.Connected(false);
            await sessionCancel.CancelAsync().ConfigureAwait(false);
            await Settle(watchdog).ConfigureAwait(false);
            if (backfill is not null)
            {
                await Settle(backfill).ConfigureAwait(false);
            }
        }
    }

    private static async Task Settle(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The session is over; whatever the task was doing ends with it.
        }
    }

    private async Task WatchAsync(ExchangeSession session, HeartbeatPolicy? heartbeat, CancellationToken cancellationToken)
    {
        var step = options.StallTimeout;
        if (heartbeat is not null && heartbeat.Interval < step)
        {
            step = heartbeat.Interval;
        }

        if (options.MaxSessionLifetime > TimeSpan.Zero && options.MaxSessionLifetime < step)
        {
            step = options.MaxSessionLifetime;
        }

        step = TimeSpan.FromMilliseconds(Math.Clamp(step.TotalMilliseconds / 4, 10, 1000));
        var lastPing = session.OpenedAt;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(step, Time, cancellationToken).ConfigureAwait(false);
            var now = Time.GetUtcNow();
            var silence = now - session.LastFrameAt;
            if (silence >= options.StallTimeout)
            {
                Logger.Stalled(Source, silence);
                session.End($"stalled: no frame for {silence.TotalSeconds:0.#} s", planned: false);
                return;
            }

            if (options.MaxSessionLifetime > TimeSpan.Zero && now - session.OpenedAt >= options.MaxSessionLifetime)
            {
                Logger.LifetimeReached(Source, options.MaxSessionLifetime);
                session.End("planned: session lifetime reached", planned: true);
                return;
            }

            if (heartbeat is null || !session.Subscribed)
            {
                continue;
            }

            var due = now - lastPing >= heartbeat.Interval && (!heartbeat.OnlyWhenSilent || silence >= heartbeat.Interval);
            if (due)
            {
                lastPing = now;
                try
                {
                    await SendHeartbeatAsync(session, cancellationToken).ConfigureAwait(false);
                }
                catch (WebSocketException)
                {
                    // The receive loop sees the broken socket and reconnects.
                    return;
                }
            }
        }
    }

    private async Task HandleFrameAsync(RunState run, ReadOnlyMemory<byte> frame, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var result = parser.Parse(FrameChannels.WebSocket, frame.Span, receivedAt);
        if (result.IsRejected)
        {
            Logger.Rejected(Source, result.RejectReason!, result.RejectDetail ?? string.Empty);
            status.DeadLetter();
            telemetry.DeadLetter(Source);
            var letter = new DeadLetter("extractors", Source, result.RejectReason!, result.RejectDetail ?? string.Empty, frame.ToArray(), null, null, null, receivedAt);
            await run.Sink.PublishDeadLetterAsync(letter, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (result.Ticks.Count == 0)
        {
            return;
        }

        await run.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var tick in result.Ticks)
            {
                if (run.Held.TryGetValue(tick.Symbol, out var held))
                {
                    held.Add(tick);
                }
                else
                {
                    await PublishAsync(run, tick, fromBackfill: false, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            run.Gate.Release();
        }
    }

    private async ValueTask<bool> PublishAsync(RunState run, Tick tick, bool fromBackfill, CancellationToken cancellationToken)
    {
        if (!run.Ledger.TryAccept(tick))
        {
            status.Duplicate();
            telemetry.Duplicate(Source);
            return false;
        }

        await run.Sink.PublishTickAsync(tick, cancellationToken).ConfigureAwait(false);
        status.Tick(tick.ReceiveTime, fromBackfill);
        telemetry.Tick(Source);
        if (fromBackfill)
        {
            telemetry.Backfilled(Source, 1);
        }

        return true;
    }
}
