using System.Globalization;
using System.Net.Http.Headers;
using CryptoStreams.TestSupport;
using Microsoft.Playwright;
using Npgsql;

namespace CryptoStreams.Dashboard.Tests;

/// <summary>
/// One <c>cryptostreams up --simulate</c> for every test of the collection: its own broker (free port, temp data), a
/// fresh database, the management API bound beyond loopback (0.0.0.0, so the token rule applies) with a token, and one
/// chromium (Debian's, never downloaded) with a fresh profile that opened the page once with the token.
/// </summary>
public sealed class DashboardPipeline : IAsyncLifetime
{
    public const string Token = "dashboard-test-token-0123456789";

    /// <summary>Closed windows of BTC the database holds before the tests start, so every chart has something to draw.</summary>
    private const int WindowsBeforeStart = 12;

    private readonly string work = Directory.CreateTempSubdirectory("dashboard-tests-").FullName;
    private readonly string databaseName = "dash_" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<string> browserLog = [];
    private IPlaywright? playwright;

    public CliProcess Cli { get; private set; } = null!;

    public Uri Url { get; private set; } = null!;

    public NpgsqlDataSource Database { get; private set; } = null!;

    public IBrowserContext Browser { get; private set; } = null!;

    /// <summary>Screenshots and other artifacts of the run (<c>TestResults/dashboard</c> beside the test assembly).</summary>
    public string Artifacts { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard")).FullName;

    /// <summary>An HTTP client carrying the token, for the JSON endpoints.</summary>
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = databaseName }.ConnectionString;
        var apiPort = FreePort.Next();
        Cli = await CliProcess.StartAsync(
            "Dashboard.Tests",
            ["up", "--simulate", "--plain", "--api-port", apiPort.ToString(CultureInfo.InvariantCulture), "--database", connectionString, "--broker-data", Path.Combine(work, "broker")],
            "Dashboard: http",
            new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["CRYPTOSTREAMS__Broker__Port"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
                ["CRYPTOSTREAMS__Topology__StateDir"] = Path.Combine(work, "state"),
                ["CRYPTOSTREAMS__Api__Host"] = "0.0.0.0",
                ["CRYPTOSTREAMS__Api__Token"] = Token,
            },
            TimeSpan.FromSeconds(120));
        Url = new Uri($"http://127.0.0.1:{apiPort}/");
        Database = NpgsqlDataSource.Create(connectionString);
        Http = new HttpClient { BaseAddress = Url };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        await Eventually.HoldsAsync(
            async () => await ScalarAsync<long>("SELECT count(*) FROM market.consensus_1m WHERE symbol = 'BTC-USD'") >= WindowsBeforeStart
                && await ScalarAsync<long>("SELECT count(*) FROM market.oracle_deviation WHERE symbol = 'BTC-USD'") > 0,
            $"{WindowsBeforeStart} closed BTC windows and a deviation in the database\n" + Cli.Output,
            TimeSpan.FromSeconds(120));

        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(work, "chromium-profile"), new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            ColorScheme = ColorScheme.Light,
        });
        Browser.Page += (_, page) => Watch(page);
        var page = await Browser.NewPageAsync();
        await SignInAsync(page);
        await page.CloseAsync();
    }

    /// <summary>What the browser reported of every page so far (console errors, page errors, failed requests), for failure messages.</summary>
    public string BrowserLog
    {
        get
        {
            lock (browserLog)
            {
                return browserLog.Count == 0 ? "(the browser reported nothing)" : string.Join('\n', browserLog);
            }
        }
    }

    private void Watch(IPage page)
    {
        void Add(string line)
        {
            lock (browserLog)
            {
                browserLog.Add(line);
            }
        }

        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                Add($"console {message.Type}: {message.Text} ({page.Url})");
            }
        };
        page.PageError += (_, error) => Add($"page error: {error} ({page.Url})");
        page.RequestFailed += (_, request) => Add($"request failed: {request.Url}: {request.Failure}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                Add($"response {response.Status}: {response.Url}");
            }
        };
    }

    /// <summary>Trades the token for the page's cookie, as a person would by opening the printed address once.</summary>
    public async Task SignInAsync(IPage page)
    {
        var response = await page.GotoAsync(new Uri(Url, "/?token=" + Token).ToString());
        Assert.True(response?.Ok, $"GET /?token=… answered {response?.Status}");
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = Database.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        playwright?.Dispose();
        Http?.Dispose();
        if (Cli is not null)
        {
            await Cli.TerminateAsync(TimeSpan.FromSeconds(90));
            await Cli.DisposeAsync();
        }

        if (Database is not null)
        {
            await Database.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        await using (var admin = new NpgsqlConnection(PostgresServer.ConnectionString))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{databaseName}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        Directory.Delete(work, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class DashboardPipelineGroup : ICollectionFixture<DashboardPipeline>
{
    public const string Name = "dashboard";
}
