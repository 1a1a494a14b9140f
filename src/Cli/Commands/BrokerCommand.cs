using System.CommandLine;
using System.Globalization;
using CryptoStreams.Broker;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Cli.Commands;

/// <summary><c>cryptostreams broker</c>: the embedded single-node Kafka-wire broker in the foreground, with a status line.</summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port", "-p") { Description = "TCP port (0 = any free port).", DefaultValueFactory = _ => 9092 };
        var dataDir = new Option<DirectoryInfo>("--data-dir")
        {
            Description = "Directory for segments and coordinator state.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".data", "broker")),
            // `broker users …` works on the same directory.
            Recursive = true,
        };
        var advertisedHost = new Option<string?>("--advertised-host") { Description = "Host name given to clients in metadata (default: --host)." };
        var advertisedPort = new Option<int?>("--advertised-port") { Description = "Port given to clients in metadata (default: the bound port)." };
        var autoCreate = new Option<bool>("--auto-create-topics") { Description = "Create unknown topics on first use." };
        var partitions = new Option<int>("--partitions") { Description = "Partitions of auto-created topics.", DefaultValueFactory = _ => 1 };
        var fsync = new Option<FsyncPolicy>("--fsync") { Description = "Durability: Interval (default; fsync every 200 ms, acknowledged records survive kill -9), Always (fsync before acks=all) or Never.", DefaultValueFactory = _ => FsyncPolicy.Interval };
        var rebalanceDelay = new Option<double>("--group-initial-rebalance-delay") { Description = "Seconds the first rebalance of an empty group waits.", DefaultValueFactory = _ => 3 };
        var statusEvery = new Option<double>("--status-interval") { Description = "Seconds between status lines (0 = none).", DefaultValueFactory = _ => 5 };
        var securityProtocol = new Option<string>("--security-protocol")
        {
            Description = "PLAINTEXT (default) or SASL_PLAINTEXT: clients authenticate (SCRAM-SHA-512/256, PLAIN) as a user of `broker users add` and ACLs apply.",
            DefaultValueFactory = _ => "PLAINTEXT",
        };
        var superUsers = new Option<string>("--super-users") { Description = "Users that bypass ACLs, separated by ';' (e.g. admin).", DefaultValueFactory = _ => "" };

        var command = new Command("broker", "Run the embedded single-node Kafka-wire broker in the foreground.")
        {
            host, port, dataDir, advertisedHost, advertisedPort, autoCreate, partitions, fsync, rebalanceDelay, statusEvery, securityProtocol, superUsers,
        };
        command.Subcommands.Add(BrokerUsersCommand.Create(dataDir));

        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new BrokerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                DataDirectory = parse.GetValue(dataDir)!.FullName,
                AdvertisedHost = parse.GetValue(advertisedHost),
                AdvertisedPort = parse.GetValue(advertisedPort),
                AutoCreateTopics = parse.GetValue(autoCreate),
                DefaultPartitions = parse.GetValue(partitions),
                FsyncPolicy = parse.GetValue(fsync),
                GroupInitialRebalanceDelay = TimeSpan.FromSeconds(parse.GetValue(rebalanceDelay)),
                SecurityProtocol = parse.GetValue(securityProtocol)!,
                SuperUsers = parse.GetValue(superUsers)!,
            };
            using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            var output = parse.InvocationConfiguration.Output;
            await using var broker = await EmbeddedBroker.StartAsync(options, loggerFactory, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"broker listening on {broker.BootstrapServers}, data in {broker.DataDirectory}; Ctrl+C stops it").ConfigureAwait(false);
            var interval = parse.GetValue(statusEvery);
            try
            {
                if (interval <= 0)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }

                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(interval));
                while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
                {
                    await output.WriteLineAsync(StatusLine(broker.GetStatus())).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: dispose below stops the broker cleanly.
            }

            await output.WriteLineAsync("broker stopping").ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    internal static string StatusLine(BrokerStatus status) => string.Create(
        CultureInfo.InvariantCulture,
        $"{TimeProvider.System.GetUtcNow():HH:mm:ss} broker {status.BootstrapServers}: {status.Topics} topics, {status.Partitions} partitions, "
        + $"{status.Connections} connections, in {Mib(status.BytesIn)} MiB, out {Mib(status.BytesOut)} MiB, {status.Requests} requests");

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
}
