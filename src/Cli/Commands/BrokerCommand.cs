using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

internal static class BrokerCommand
{
    public static Command Create()
    {
        var command = new Command("broker", "Run the embedded single-node Kafka-wire broker in the foreground.");
        NotBuiltYet.Attach(command, "issue #4");
        return command;
    }
}
