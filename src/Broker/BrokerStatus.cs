namespace CryptoStreams.Broker;

/// <summary>Read-only snapshot of the embedded broker for status views.</summary>
public sealed record BrokerStatus(
    string BootstrapServers,
    int Topics,
    int Partitions,
    int Connections,
    long BytesIn,
    long BytesOut,
    long Requests);
