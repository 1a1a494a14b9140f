namespace CryptoStreams.Broker.Transactions;

/// <summary>Transaction coordinator (filled in next).</summary>
internal sealed class TransactionCoordinator
{
}
