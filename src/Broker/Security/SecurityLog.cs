using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Security;

/// <summary>Log messages of authentication and authorization (never a password or a credential).</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(200, LogLevel.Information, "Connection {Connection} from {Host} authenticated as {User} with {Mechanism}")]
    public static partial void Authenticated(ILogger logger, long connection, string host, string user, string mechanism);

    [LoggerMessage(201, LogLevel.Warning, "Connection {Connection} from {Host}: SASL authentication with {Mechanism} failed")]
    public static partial void AuthenticationFailed(ILogger logger, long connection, string host, string mechanism);

    [LoggerMessage(202, LogLevel.Warning, "Connection {Connection}: SASL mechanism {Mechanism} asked for; enabled: {Enabled}")]
    public static partial void UnsupportedMechanism(ILogger logger, long connection, string mechanism, string enabled);

    [LoggerMessage(203, LogLevel.Information, "Denied {Principal} from {Host}: {Operation} on {ResourceType} '{Resource}'")]
    public static partial void Denied(ILogger logger, string principal, string host, AclOperation operation, AclResourceType resourceType, string resource);

    [LoggerMessage(204, LogLevel.Information, "ACLs changed by {Principal}: {Added} added, {Removed} removed")]
    public static partial void AclsChanged(ILogger logger, string principal, int added, int removed);
}
