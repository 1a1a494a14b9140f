using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Unicode;

namespace CryptoStreams.Extractors.Core.Polling;

/// <summary>Opens a REST response body as JSON, or says precisely why it cannot be read.</summary>
public static class PayloadJson
{
    /// <summary>
    /// Parses <paramref name="frame"/>. Invalid UTF-8 is refused up front: <see cref="JsonDocument"/> only notices
    /// it when a string is read, which would surface as an exception deep inside a parser.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, [NotNullWhen(true)] out JsonDocument? document, out FrameParseResult rejected)
    {
        document = null;
        rejected = default;
        if (!Utf8.IsValid(frame))
        {
            rejected = FrameParseResult.Rejected("unparseable", "the body is not valid UTF-8");
            return false;
        }

        try
        {
            document = JsonDocument.Parse(frame.ToArray());
            return true;
        }
        catch (JsonException ex)
        {
            rejected = FrameParseResult.Rejected("unparseable", ex.Message);
            return false;
        }
    }
}
