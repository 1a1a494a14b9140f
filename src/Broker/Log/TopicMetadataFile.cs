using System.Text.Json;
using System.Text.Json.Serialization;

namespace CryptoStreams.Broker.Log;

/// <summary>What is persisted about a topic besides its logs: <c>topics/&lt;name&gt;.json</c>.</summary>
internal sealed record TopicMetadataFile(string Name, Guid Id, int Partitions, Dictionary<string, string> Configs)
{
    public static TopicMetadataFile? Read(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), TopicMetadataJson.Default.TopicMetadataFile);

    /// <summary>Writes through a temporary file and a rename, so a crash leaves the old or the new version.</summary>
    public void Write(string path)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, this, TopicMetadataJson.Default.TopicMetadataFile);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}

[JsonSerializable(typeof(TopicMetadataFile))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class TopicMetadataJson : JsonSerializerContext;
