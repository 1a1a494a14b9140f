using System.Text;
using System.Text.Json;
using CryptoStreams.Extractors.Core;

namespace CryptoStreams.Extractors.Recording;

/// <summary>
/// <c>--record DIR</c>: appends every received frame to <c>DIR/&lt;source&gt;.ndjson</c>, one JSON object per line:
/// <c>{"source":…,"channel":…,"receivedAt":"…Z","text":…}</c>, or <c>"base64"</c> instead of <c>"text"</c> when the
/// frame is not valid UTF-8. Each line is handed to the operating system as it is written, so a crash loses at
/// most the line being written.
/// </summary>
public sealed class FileFrameRecorder : IFrameRecorder, IDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _directory;
    private readonly Dictionary<string, FileStream> _files = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private bool _disposed;

    public FileFrameRecorder(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(_directory);
    }

    public string RecordingDirectory => _directory;

    public static string FileName(string source) => source + ".ndjson";

    public void Record(string source, string channel, ReadOnlySpan<byte> frame, DateTimeOffset receivedAt)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        if (source.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || source.Contains('.', StringComparison.Ordinal))
        {
            throw new ArgumentException($"source '{source}' cannot name a recording file", nameof(source));
        }

        var line = Encode(source, channel, frame, receivedAt);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_files.TryGetValue(source, out var file))
            {
                file = new FileStream(Path.Combine(_directory, FileName(source)), FileMode.Append, FileAccess.Write, FileShare.Read);
                _files.Add(source, file);
            }

            file.Write(line);
            file.Flush(flushToDisk: false);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var file in _files.Values)
            {
                file.Dispose();
            }

            _files.Clear();
        }
    }

    private static byte[] Encode(string source, string channel, ReadOnlySpan<byte> frame, DateTimeOffset receivedAt)
    {
        using var buffer = new MemoryStream(frame.Length + 128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("source", source);
            writer.WriteString("channel", channel);
            writer.WriteString("receivedAt", receivedAt.ToUniversalTime());
            string? text;
            try
            {
                text = StrictUtf8.GetString(frame);
            }
            catch (DecoderFallbackException)
            {
                text = null;
            }

            if (text is not null)
            {
                writer.WriteString("text", text);
            }
            else
            {
                writer.WriteBase64String("base64", frame);
            }

            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
