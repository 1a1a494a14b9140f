using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CryptoStreams.Extractors.Recording;

/// <summary>A recording line that cannot be read; the message names the file and line.</summary>
public sealed class RecordingFormatException : FormatException
{
    public RecordingFormatException()
    {
    }

    public RecordingFormatException(string message)
        : base(message)
    {
    }

    public RecordingFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Reads a folder written by <see cref="FileFrameRecorder"/>.</summary>
public static class FrameRecordingReader
{
    /// <summary>
    /// Every frame of every <c>*.ndjson</c> file, ordered by receive time; frames received at the same instant keep
    /// file (by name) and line order, so the order — and so a replay — is the same on every run.
    /// </summary>
    public static IReadOnlyList<RecordedFrame> ReadAll(string directory)
    {
        var frames = new List<(RecordedFrame Frame, int File, int Line)>();
        var files = System.IO.Directory.GetFiles(directory, "*.ndjson").Order(StringComparer.Ordinal).ToArray();
        for (var f = 0; f < files.Length; f++)
        {
            var line = 0;
            foreach (var text in File.ReadLines(files[f], Encoding.UTF8))
            {
                line++;
                if (string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }

                frames.Add((ParseLine(text, files[f], line), f, line));
            }
        }

        return [.. frames.OrderBy(x => x.Frame.ReceivedAt).ThenBy(x => x.File).ThenBy(x => x.Line).Select(x => x.Frame)];
    }

    private static RecordedFrame ParseLine(string text, string file, int line)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var source = root.GetProperty("source").GetString() ?? throw new RecordingFormatException("source is null");
            var channel = root.TryGetProperty("channel", out var c) ? c.GetString() ?? string.Empty : string.Empty;
            var receivedAt = DateTimeOffset.Parse(root.GetProperty("receivedAt").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            byte[] frame;
            if (root.TryGetProperty("text", out var body))
            {
                frame = Encoding.UTF8.GetBytes(body.GetString() ?? string.Empty);
            }
            else if (root.TryGetProperty("base64", out var encoded))
            {
                frame = encoded.GetBytesFromBase64();
            }
            else
            {
                throw new RecordingFormatException("neither text nor base64");
            }

            return new RecordedFrame(source, channel, receivedAt, frame);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new RecordingFormatException($"{Path.GetFileName(file)} line {line}: {ex.Message}", ex);
        }
    }
}
