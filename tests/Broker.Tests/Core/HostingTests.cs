using CryptoStreams.Broker;
using CryptoStreams.Broker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CryptoStreams.Broker.Tests.Core;

/// <summary>The broker as a hosted service bound from the <c>Broker</c> configuration section.</summary>
public sealed class HostingTests
{
    [Fact]
    public async Task AddEmbeddedBroker_starts_the_broker_from_configuration_and_reports_status()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Broker:Port"] = "0",
            ["Broker:AutoCreateTopics"] = "true",
            ["Broker:GroupInitialRebalanceDelay"] = "00:00:00",
        });
        builder.Services.AddEmbeddedBroker(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync();
        var status = host.Services.GetRequiredService<BrokerStatusSource>().Current;
        Assert.NotNull(status);
        Assert.StartsWith("127.0.0.1:", status.BootstrapServers, StringComparison.Ordinal);
        Assert.Equal(FsyncPolicy.Interval, host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<BrokerOptions>>().Value.FsyncPolicy);
        await host.StopAsync();
        Assert.Null(host.Services.GetRequiredService<BrokerStatusSource>().Current);
    }

    [Fact]
    public async Task Invalid_options_fail_at_start_up()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Broker:Port"] = "70000" });
        builder.Services.AddEmbeddedBroker(builder.Configuration);
        using var host = builder.Build();
        await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync());
    }
}
