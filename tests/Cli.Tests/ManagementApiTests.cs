using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CryptoStreams.Cli.Api;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Cli.Tests;

public sealed class ManagementApiTests : IAsyncLifetime, IDisposable
{
    private sealed record FakeLoaderSnapshot(long RowsWritten, string State);

    private readonly SymbolRegistry symbols = new(["BTC-USD", "ETH-USD"]);
    private readonly List<IReadOnlyList<string>> changes = [];
    private readonly HttpClient http = new();
    private ManagementApiServer server = null!;

    public async Task InitializeAsync()
    {
        symbols.Changed += (_, e) => changes.Add(e.Symbols);
        var loader = new FakeLoaderSnapshot(1234, "running");
        server = await ManagementApiServer.StartAsync(
            new ApiOptions { Port = FreePort.Next() },
            symbols,
            [new DelegateStageStatusSource("loader", () => loader), new DelegateStageStatusSource("topology", () => null)],
            TimeProvider.System);
        http.BaseAddress = server.Url;
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    public void Dispose() => http.Dispose();

    [Fact]
    public async Task Health_answers_ok_and_names_the_stages()
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/health"));

        Assert.Equal("ok", doc.RootElement.GetProperty("status").GetString());
        Assert.Equal(["loader", "topology"], doc.RootElement.GetProperty("stages").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Status_shows_each_stage_snapshot_and_the_tracked_symbols()
    {
        using var doc = JsonDocument.Parse(await http.GetStringAsync("/status"));
        var root = doc.RootElement;

        Assert.Equal(1234, root.GetProperty("stages").GetProperty("loader").GetProperty("rowsWritten").GetInt64());
        Assert.Equal("running", root.GetProperty("stages").GetProperty("loader").GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("stages").GetProperty("topology").ValueKind);
        Assert.Equal(["BTC-USD", "ETH-USD"], root.GetProperty("symbols").EnumerateArray().Select(e => e.GetString()));
        Assert.True(root.GetProperty("uptimeSeconds").GetDouble() >= 0);
    }

    [Fact]
    public async Task Metrics_exposes_every_CryptoStreams_meter_in_prometheus_text()
    {
        using var meter = new Meter("CryptoStreams.ApiTest");
        var counter = meter.CreateCounter<long>("apitest.records", unit: "{record}");
        counter.Add(3);

        // The exporter caches a scrape briefly; wait until a scrape includes the new meter.
        string text = string.Empty;
        await Eventually.HoldsAsync(async () =>
        {
            counter.Add(1);
            text = await http.GetStringAsync("/metrics");
            return text.Contains("apitest_records", StringComparison.Ordinal);
        }, "/metrics lists the CryptoStreams.ApiTest counter");

        Assert.Matches(@"(?m)^# TYPE apitest_records\S* counter", text);
    }

    [Fact]
    public async Task Symbols_can_be_listed_added_and_removed_at_run_time()
    {
        Assert.Equal(["BTC-USD", "ETH-USD"], (await http.GetFromJsonAsync<string[]>("/symbols"))!);

        using var added = await http.PostAsJsonAsync("/symbols", new { symbol = "solusdt" });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        using var again = await http.PostAsJsonAsync("/symbols", new { symbol = "SOL-USDT" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(["BTC-USD", "ETH-USD", "SOL-USDT"], (await http.GetFromJsonAsync<string[]>("/symbols"))!);

        using var removed = await http.DeleteAsync("/symbols/ETH-USD");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        using var missing = await http.DeleteAsync("/symbols/ETH-USD");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        Assert.Equal(["BTC-USD", "SOL-USDT"], symbols.Symbols);
        Assert.Equal([["BTC-USD", "ETH-USD", "SOL-USDT"], ["BTC-USD", "SOL-USDT"]], changes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("BTC-PERP-2026")]
    [InlineData("NOPE")]
    public async Task A_symbol_that_cannot_be_read_is_refused_with_the_reason(string symbol)
    {
        using var response = await http.PostAsJsonAsync("/symbols", new { symbol });
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith($"cannot read symbol '{symbol}':", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(["BTC-USD", "ETH-USD"], symbols.Symbols);
    }
}

public class ManagementApiTokenTests
{
    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("192.168.1.10")]
    public async Task Binding_beyond_loopback_without_a_token_fails_at_start_up_with_a_clear_message(string host)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ManagementApiServer.StartAsync(
            new ApiOptions { Host = host, Port = FreePort.Next() }, new SymbolRegistry([]), [], TimeProvider.System));

        Assert.Contains("Api:Token is not set", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CRYPTOSTREAMS__Api__Token", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("::1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.0.0.1", false)]
    public void Loopback_is_recognised(string host, bool loopback) => Assert.Equal(loopback, new ApiOptions { Host = host }.IsLoopback);

    [Fact]
    public async Task With_a_token_every_endpoint_but_health_requires_it()
    {
        const string token = "a-long-enough-test-token";
        await using var server = await ManagementApiServer.StartAsync(
            new ApiOptions { Port = FreePort.Next(), Token = token }, new SymbolRegistry(["BTC-USD"]), [], TimeProvider.System);
        using var http = new HttpClient { BaseAddress = server.Url };

        foreach (var path in new[] { "/status", "/metrics", "/symbols" })
        {
            using var refused = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var health = await http.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong-token-of-some-length");
        using (var wrong = await http.GetAsync("/symbols"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        foreach (var path in new[] { "/status", "/metrics", "/symbols" })
        {
            using var allowed = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }
    }
}

public class StatusCommandTests
{
    [Fact]
    public async Task Status_renders_the_running_pipelines_stages_and_health_exits_zero()
    {
        await using var server = await ManagementApiServer.StartAsync(
            new ApiOptions { Port = FreePort.Next() }, new SymbolRegistry(["LINK-USD"]),
            [new DelegateStageStatusSource("loader", () => new { rowsWritten = 42, lag = new { total = 7 } })], TimeProvider.System);

        var (exit, output, _) = await CliRunner.RunAsync(CancellationToken.None, "status", "--url", server.Url.ToString());
        var (healthExit, _, _) = await CliRunner.RunAsync(CancellationToken.None, "status", "--health", "--url", server.Url.ToString());

        Assert.Equal(0, exit);
        Assert.Contains("LINK-USD", output, StringComparison.Ordinal);
        Assert.Matches(@"rowsWritten\s*│\s*42", output);
        Assert.Matches(@"lag\.total\s*│\s*7", output);
        Assert.Equal(0, healthExit);
    }

    [Fact]
    public async Task Status_without_a_running_pipeline_fails_and_says_so()
    {
        var (exit, _, error) = await CliRunner.RunAsync(CancellationToken.None, "status", "--health", "--url", $"http://127.0.0.1:{FreePort.Next()}");

        Assert.Equal(1, exit);
        Assert.Contains("no pipeline answers", error, StringComparison.Ordinal);
    }
}
