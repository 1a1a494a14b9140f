using System.Text.Json.Serialization;

namespace CryptoStreams.Schema.Serialization;

/// <summary>
/// Source-generated System.Text.Json metadata for every record on a topic. Decimals are written as JSON
/// numbers with every digit (System.Text.Json formats <see cref="decimal"/> exactly); strings holding
/// numbers are accepted on read. Enums are camel-case strings so the topics read well in kcat.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowOutOfOrderMetadataProperties = true)]
[JsonSerializable(typeof(Tick))]
[JsonSerializable(typeof(OracleRound))]
[JsonSerializable(typeof(Candle))]
[JsonSerializable(typeof(Consensus))]
[JsonSerializable(typeof(Deviation))]
[JsonSerializable(typeof(CrossoverSignal))]
[JsonSerializable(typeof(DeadLetter))]
[JsonSerializable(typeof(Gap))]
public sealed partial class SchemaJsonContext : JsonSerializerContext;
