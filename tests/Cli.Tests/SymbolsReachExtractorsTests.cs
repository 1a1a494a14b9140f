using System.Net;
using System.Net.Http.Json;
using CryptoStreams.Cli.Api;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CryptoStreams.Cli.Tests;

/// <summary><c>POST/DELETE /symbols</c> in a host composed like <c>up</c> change the set the extractors track.</summary>
public sealed class SymbolsReachExtractorsTests
{
    [Fact]
    public async Task Post_and_delete_symbols_change_the_extractors_tracked_set()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Extractors:Simulate:Enabled"] = "true",
            ["Extractors:Symbols:0"] = "BTC-USD",
        }).Build();
        var services = new ServiceCollection();
        services.AddExtractors(configuration);
        services.AddManagementApi(configuration);
        await using var provider = services.BuildServiceProvider();
        var tracked = provider.GetRequiredService<TrackedSymbols>();
        var changes = 0;
        tracked.Changed += (_, _) => Interlocked.Increment(ref changes);

        await using var server = await ManagementApiServer.StartAsync(
            new ApiOptions { Port = FreePort.Next() }, provider.GetRequiredService<ISymbolRegistry>(), [], TimeProvider.System);
        using var http = new HttpClient { BaseAddress = server.Url };

        using (var added = await http.PostAsJsonAsync("/symbols", new { symbol = "sol-usd" }))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        Assert.Equal(["BTC-USD", "SOL-USD"], tracked.Symbols);
        Assert.Contains("SOL", tracked.Assets);

        using (var removed = await http.DeleteAsync(new Uri("/symbols/BTC-USD", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        Assert.Equal(["SOL-USD"], tracked.Symbols);
        Assert.Equal(2, changes);
    }
}
