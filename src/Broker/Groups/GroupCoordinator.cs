namespace CryptoStreams.Broker.Groups;

/// <summary>Consumer group coordinator (filled in next).</summary>
internal sealed class GroupCoordinator
{
    private readonly HashSet<string> _forgotten = [];

    public void ForgetTopic(string topic) => _forgotten.Add(topic);
}
