using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using CryptoStreams.Broker;
using CryptoStreams.Cli.Hosting;
using CryptoStreams.Cli.TopicManagement;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Kafka;
using CryptoStreams.Schema.Serialization;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CryptoStreams.Cli.Tests;

/// <summary>One embedded broker for the test class, on a free loopback port.</summary>
public sealed class EmbeddedBrokerFixture : IAsyncLifetime
{
    public EmbeddedBroker Broker { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero });

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

public class TopicsAndWatchAgainstTheEmbeddedBrokerTests(EmbeddedBrokerFixture fixture) : IClassFixture<EmbeddedBrokerFixture>
{
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private string Bootstrap => fixture.Broker.BootstrapServers;

    [Fact]
    public async Task Topics_create_makes_every_catalog_topic_once_and_describe_finds_them_as_defined()
    {
        var (exit, output, error) = await CliRunner.RunAsync(CancellationToken.None, "topics", "create", "--bootstrap", Bootstrap);
        Assert.True(exit == 0, error);
        var (again, secondOutput, _) = await CliRunner.RunAsync(CancellationToken.None, "topics", "create", "--bootstrap", Bootstrap);
        var (listed, names, _) = await CliRunner.RunAsync(CancellationToken.None, "topics", "list", "--bootstrap", Bootstrap);
        var (described, description, describeError) = await CliRunner.RunAsync(CancellationToken.None, "topics", "describe", "--bootstrap", Bootstrap);

        Assert.Equal(0, again);
        Assert.Equal(0, listed);
        foreach (var topic in TopicCatalog.All())
        {
            Assert.Matches($@"{Regex(topic.Name)}\s*│\s*6\s*│.*│\s*(created|exists)", output);
            Assert.Matches($@"{Regex(topic.Name)}\s*│.*│\s*exists", secondOutput);
            Assert.Contains(topic.Name + "\n", names, StringComparison.Ordinal);
            Assert.Matches($@"{Regex(topic.Name)}\s*│\s*6\s*│\s*1\s*│.*│\s*ok", description);
        }

        Assert.True(described == 0, describeError + description);
    }

    [Fact]
    public async Task Watch_prints_one_row_per_record_from_the_beginning_and_json_prints_the_values()
    {
        const string topic = Topics.Deviation1m + ".watch-test";
        using (var admin = new TopicAdmin(Bootstrap, new KafkaSecurityOptions()))
        {
            await admin.CreateAsync([new TopicDefinition(topic, 3, -1, CleanupPolicy.Delete, "test")], 1, CancellationToken.None);
        }

        var deviations = Enumerable.Range(0, 6)
            .Select(i => new Deviation(i % 2 == 0 ? "BTC-USD" : "ETH-USD", Start.AddMinutes(i), Start.AddMinutes(i + 1), Sources.Chainlink, (UInt128)(100 + i),
                60_000m + i, Start.AddMinutes(i), 60, 59_990m, 0.0166m * i, null, null))
            .ToList();
        using (var producer = new ProducerBuilder<string, Deviation>(new ProducerConfig { BootstrapServers = Bootstrap })
                   .SetValueSerializer(new RecordSerializer<Deviation>()).Build())
        {
            foreach (var deviation in deviations)
            {
                await producer.ProduceAsync(topic, new Message<string, Deviation> { Key = deviation.Asset, Value = deviation });
            }
        }

        // Watch's topic-to-type mapping reads the name; this test topic is not a catalog name, so check the Unknown (raw text) path
        // here and the typed path on the real topic below.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (exit, json, error) = await CliRunner.RunAsync(timeout.Token, "watch", topic, "--bootstrap", Bootstrap, "--from-beginning", "--json", "--max", "6");
        Assert.True(exit == 0, error);
        var values = json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => RecordJson.Deserialize<Deviation>(System.Text.Encoding.UTF8.GetBytes(line))).ToList();
        Assert.Equal(deviations.OrderBy(d => d.WindowStart), values.OrderBy(d => d.WindowStart));
    }

    [Fact]
    public async Task Watch_shows_a_typed_table_row_for_each_record_of_a_catalog_topic()
    {
        using (var admin = new TopicAdmin(Bootstrap, new KafkaSecurityOptions()))
        {
            await admin.CreateAsync(TopicCatalog.All(), 1, CancellationToken.None);
        }

        var signals = new[]
        {
            new CrossoverSignal("BTC-USD", CrossoverDirection.Golden, MovingAverageKind.Sma, 5, 20, 101m, 100m, 102m, Start, Start.AddMinutes(1)),
            new CrossoverSignal("LINK-USD", CrossoverDirection.Death, MovingAverageKind.Ema, 5, 20, 9m, 10m, 8.5m, Start, Start.AddMinutes(1)),
        };
        using (var producer = new ProducerBuilder<string, CrossoverSignal>(new ProducerConfig { BootstrapServers = Bootstrap })
                   .SetValueSerializer(new RecordSerializer<CrossoverSignal>()).Build())
        {
            foreach (var signal in signals)
            {
                await producer.ProduceAsync(Topics.SignalsCrossover, new Message<string, CrossoverSignal> { Key = signal.Asset, Value = signal });
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (exit, table, error) = await CliRunner.RunAsync(timeout.Token, "watch", Topics.SignalsCrossover, "--bootstrap", Bootstrap, "--from-beginning", "--max", "2");

        Assert.True(exit == 0, error);
        Assert.Contains("signals.crossover (CrossoverSignal; Ctrl+C stops)", table, StringComparison.Ordinal);
        Assert.Matches(@"2026-11-25 12:00\+1m\s+BTC-USD\s+SMA 5/20\s+▲ golden short 101 long 100 close 102", table);
        Assert.Matches(@"2026-11-25 12:00\+1m\s+LINK-USD\s+EMA 5/20\s+▼ death short 9 long 10 close 8\.5", table);
    }

    [Fact]
    public async Task Watch_of_a_topic_that_does_not_exist_fails_with_a_clear_message()
    {
        var (exit, _, error) = await CliRunner.RunAsync(CancellationToken.None, "watch", "no.such.topic", "--bootstrap", Bootstrap, "--max", "1");

        Assert.Equal(1, exit);
        Assert.Contains("topic no.such.topic does not exist", error, StringComparison.Ordinal);
    }

    private static string Regex(string name) => System.Text.RegularExpressions.Regex.Escape(name);
}

public class PipelineHostTests
{
    [Fact]
    public async Task A_host_with_the_embedded_broker_creates_the_topics_and_serves_its_status_until_stopped()
    {
        var brokerPort = FreePort.Next();
        var apiPort = FreePort.Next();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Broker:Port"] = brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Broker:GroupInitialRebalanceDelay"] = "00:00:00",
            ["Api:Port"] = apiPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var bootstrap = $"127.0.0.1:{brokerPort}";
        builder.Services.AddPipeline(builder.Configuration, new PipelineSettings(PipelineStages.Broker | PipelineStages.Api, bootstrap, Partitions: 2));
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            using (var admin = new TopicAdmin(bootstrap, new KafkaSecurityOptions()))
            {
                Assert.Superset(TopicCatalog.All().Select(t => t.Name).ToHashSet(), admin.ListNames().ToHashSet());
                var described = await admin.DescribeAsync(TopicCatalog.All(2), CancellationToken.None);
                Assert.All(described, d => Assert.Equal(2, d.Partitions));
            }

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
            using var status = JsonDocument.Parse(await http.GetStringAsync("/status"));
            var broker = status.RootElement.GetProperty("stages").GetProperty("broker");
            Assert.Equal(bootstrap, broker.GetProperty("bootstrapServers").GetString());
            Assert.Equal(TopicCatalog.All().Count, broker.GetProperty("topics").GetInt32());
            Assert.Equal(["BTC-USD", "ETH-USD", "LINK-USD"], (await http.GetFromJsonAsync<string[]>("/symbols"))!);
        }
        finally
        {
            await host.StopAsync();
        }

        // Stopped means stopped: the broker's port is free again.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, brokerPort);
        listener.Start();
    }
}
