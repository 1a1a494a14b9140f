using System.Text.Json;
using System.Text.Json.Serialization;

namespace CryptoStreams.Cli.Hosting;

/// <summary>Turns a stage's status snapshot into <c>path = value</c> rows for tables (status command, live view).</summary>
internal static class StatusFlattening
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static IReadOnlyList<(string Path, string Value)> Rows(object? snapshot)
    {
        var rows = new List<(string, string)>();
        if (snapshot is not null)
        {
            Flatten(JsonSerializer.SerializeToElement(snapshot, snapshot.GetType(), Json), string.Empty, rows);
        }

        return rows;
    }

    public static IReadOnlyList<(string Path, string Value)> Rows(JsonElement element)
    {
        var rows = new List<(string, string)>();
        Flatten(element, string.Empty, rows);
        return rows;
    }

    private static void Flatten(JsonElement element, string path, List<(string, string)> rows)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(property.Value, path.Length == 0 ? property.Name : $"{path}.{property.Name}", rows);
                }

                break;
            case JsonValueKind.Array when element.EnumerateArray().All(e => e.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)):
                rows.Add((path, string.Join(", ", element.EnumerateArray().Select(e => e.ToString()))));
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten(item, $"{path}[{i++}]", rows);
                }

                break;
            case JsonValueKind.Null:
                if (path.Length > 0)
                {
                    rows.Add((path, "–"));
                }

                break;
            default:
                rows.Add((path, element.ToString()));
                break;
        }
    }
}
