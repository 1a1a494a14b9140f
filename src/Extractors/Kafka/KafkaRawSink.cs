using System.Text;
using Confluent.Kafka;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Kafka;

/// <summary>
/// Writes extracted records to Kafka: ticks to <c>raw.&lt;source&gt;</c>, oracle rounds to <c>raw.chainlink</c>,
/// gaps to <c>raw.gaps</c>, venue candles to <c>raw.candles</c>, rejects to <c>dlq.extractors</c>. Key = asset (UTF-8), record timestamp = event
/// time, value = the record's JSON. Idempotent producer with acks=all, so retries never duplicate.
/// Back-pressure: at most <see cref="KafkaSinkOptions.MaxInFlight"/> records are unacknowledged; beyond that
/// (or when librdkafka's own queue is full) publishing waits for deliveries.
/// </summary>
public sealed partial class KafkaRawSink : IFlushableRawSink, IAsyncDisposable, IDisposable
{
    // How long to let librdkafka drain its queue before trying a full-queue produce again.
    private static readonly TimeSpan QueueFullRetry = TimeSpan.FromMilliseconds(2);

    // Built on first use: hosts construct the sink before they start (in `up`, before the embedded broker listens),
    // and a producer built then only reports its failed first connections.
    private readonly Lazy<IProducer<string, byte[]>> _producer;
    private readonly SemaphoreSlim _inFlight;
    private readonly KafkaSinkOptions _options;
    private readonly ExtractorMetrics _metrics;
    private readonly ILogger<KafkaRawSink> _logger;
    private readonly TimeProvider _time;
    private readonly Action<DeliveryReport<string, byte[]>> _onDelivered;
    private long _delivered;
    private long _deliveryErrors;
    private int _disposed;

    public KafkaRawSink(IOptions<KafkaSinkOptions> options, ExtractorMetrics metrics, TimeProvider time, ILogger<KafkaRawSink> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _inFlight = new SemaphoreSlim(_options.MaxInFlight, _options.MaxInFlight);
        _onDelivered = OnDelivered;
        _producer = new Lazy<IProducer<string, byte[]>>(BuildProducer, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    private IProducer<string, byte[]> BuildProducer() =>
        new ProducerBuilder<string, byte[]>(_options.ToProducerConfig())
            .SetKeySerializer(Serializers.Utf8)
            .SetValueSerializer(Serializers.ByteArray)
            .SetErrorHandler((_, error) =>
            {
                // librdkafka reconnects by itself and reports every failed attempt. Worth a warning: fatal errors, and
                // "all brokers down" while records wait to be delivered (not when nothing is at stake, e.g. once the
                // embedded broker stopped after the final flush).
                if (error.IsFatal || (error.Code == ErrorCode.Local_AllBrokersDown && InFlight > 0))
                {
                    LogClientError(_logger, error.Code, error.Reason, error.IsFatal);
                }
                else
                {
                    LogClientTransient(_logger, error.Code, error.Reason);
                }
            })
            .SetLogHandler((_, message) => LogClientMessage(_logger, message.Facility, message.Message))
            .Build();

    /// <summary>Records the broker acknowledged.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Records that failed for good (logged and counted).</summary>
    public long DeliveryErrors => Interlocked.Read(ref _deliveryErrors);

    /// <summary>Records accepted but not yet acknowledged.</summary>
    public int InFlight => _options.MaxInFlight - _inFlight.CurrentCount;

    public ValueTask PublishTickAsync(Tick tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        return ProduceAsync(Topics.Raw(tick.Source), tick.Asset, tick.EventTime, RecordJson.Serialize(tick), cancellationToken);
    }

    public ValueTask PublishOracleRoundAsync(OracleRound round, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        return ProduceAsync(Topics.RawChainlink, round.Asset, round.UpdatedAt, RecordJson.Serialize(round), cancellationToken);
    }

    // A gap's timestamp is the end of the missed range: that is when it became known, and a timestamp at its
    // start would arrive behind stream time and be dropped as late by the topology.
    public ValueTask PublishGapAsync(Gap gap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gap);
        return ProduceAsync(Topics.RawGaps, gap.Asset, gap.To, RecordJson.Serialize(gap), cancellationToken);
    }

    // A candle's timestamp is its window start, as on prices.1m.
    public ValueTask PublishCandleAsync(Candle candle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candle);
        return ProduceAsync(Topics.RawCandles, candle.Asset, candle.WindowStart, RecordJson.Serialize(candle), cancellationToken);
    }

    // Rejected input has no asset we could trust, so the key is the source: one venue's rejects stay together.
    public ValueTask PublishDeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return ProduceAsync(Topics.DlqExtractors, letter.Source, letter.Time, RecordJson.Serialize(letter), cancellationToken);
    }

    public Task FlushAsync(CancellationToken cancellationToken) =>
        Task.Run(
            () =>
            {
                try
                {
                    if (_producer.IsValueCreated)
                    {
                        _producer.Value.Flush(cancellationToken);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
            },
            CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(_options.FlushTimeout))
        {
            try
            {
                await FlushAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogFlushTimedOut(_logger, InFlight, _options.FlushTimeout);
            }
        }

        if (_producer.IsValueCreated)
        {
            _producer.Value.Dispose();
        }

        _inFlight.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async ValueTask ProduceAsync(string topic, string key, DateTimeOffset eventTime, byte[] value, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (!_inFlight.Wait(0, CancellationToken.None))
        {
            _metrics.BackPressureWaits.Add(1);
            await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        var message = new Message<string, byte[]> { Key = key, Value = value, Timestamp = new Timestamp(eventTime) };
        while (true)
        {
            try
            {
                _producer.Value.Produce(topic, message, _onDelivered);
                return;
            }
            catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // librdkafka's queue is full: wait for it to drain rather than buffering more ourselves.
                _metrics.BackPressureWaits.Add(1);
                try
                {
                    await Task.Delay(QueueFullRetry, _time, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    _inFlight.Release();
                    throw;
                }
            }
            catch
            {
                _inFlight.Release();
                throw;
            }
        }
    }

    private void OnDelivered(DeliveryReport<string, byte[]> report)
    {
        _inFlight.Release();
        if (report.Error.IsError)
        {
            Interlocked.Increment(ref _deliveryErrors);
            _metrics.DeliveryErrors.Add(1, new KeyValuePair<string, object?>("topic", report.Topic));
            LogDeliveryFailed(_logger, report.Topic, report.Message.Key, report.Error.Code, report.Error.Reason);
        }
        else
        {
            Interlocked.Increment(ref _delivered);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Kafka delivery to {Topic} (key {Key}) failed: {Code} {Reason}")]
    private static partial void LogDeliveryFailed(ILogger logger, string topic, string key, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka client error {Code}: {Reason} (fatal: {Fatal})")]
    private static partial void LogClientError(ILogger logger, ErrorCode code, string reason, bool fatal);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Kafka client {Code}: {Reason} (retrying)")]
    private static partial void LogClientTransient(ILogger logger, ErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "librdkafka {Facility}: {Message}")]
    private static partial void LogClientMessage(ILogger logger, string facility, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Flush on shutdown timed out after {Timeout} with {InFlight} records unacknowledged")]
    private static partial void LogFlushTimedOut(ILogger logger, int inFlight, TimeSpan timeout);
}
