using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CryptoStreams.TestSupport;
using Microsoft.Playwright;

namespace CryptoStreams.Dashboard.Tests;

/// <summary>The page in Debian's chromium against the running simulated pipeline.</summary>
[Collection(DashboardPipelineGroup.Name)]
public sealed class DashboardPageTests(DashboardPipeline pipeline) : IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Every page of a test is closed after it, failed or not (the context's first, blank page stays): an open page keeps its event stream, and chromium allows six connections per host.</summary>
    public async Task DisposeAsync()
    {
        foreach (var open in pipeline.Browser.Pages.Skip(1).ToList())
        {
            await open.CloseAsync();
        }
    }

    private const float Wait = 60_000;

    [Fact]
    public async Task The_page_loads_from_the_api_alone_without_console_errors_and_every_chart_has_data()
    {
        var page = await pipeline.Browser.NewPageAsync();
        var errors = new List<string>();
        var requests = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        page.Request += (_, request) => requests.Add(request.Url);

        await pipeline.SignInAsync(page);
        await ChartsDrawnAsync(page);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#sources tbody tr[data-source]').length > 0 && document.querySelectorAll('#pipeline .stage').length >= 3", null, new() { Timeout = Wait });
        await page.WaitForFunctionAsync("() => document.querySelector('#latest [data-latest=\"BTC\"] [data-field=\"close\"]')?.dataset.value !== ''", null, new() { Timeout = Wait });

        Assert.Empty(errors);
        Assert.All(requests, url => Assert.StartsWith(pipeline.Url.GetLeftPart(UriPartial.Authority), url, StringComparison.Ordinal));
        Assert.Contains(requests, url => url.EndsWith("/dashboard/lightweight-charts.mjs", StringComparison.Ordinal));
        Assert.Equal("live", await page.TextContentAsync("#live"));
        var sources = await page.Locator("#sources tbody tr[data-source] td:nth-child(2)").AllTextContentsAsync();
        Assert.Contains("running", sources);
        Assert.Equal(["broker", "topology", "loader"], (await page.Locator("#pipeline .stage h3").AllTextContentsAsync()).Take(3));
        await page.WaitForFunctionAsync("() => document.querySelector('#history-source').dataset.source", null, new() { Timeout = Wait });
        Assert.Equal("history: database", await page.TextContentAsync("#history-source"));
        await page.CloseAsync();
    }

    [Fact]
    public async Task Asked_for_the_topics_the_page_draws_its_history_from_them_and_says_so()
    {
        var page = await pipeline.Browser.NewPageAsync();
        await page.GotoAsync(new Uri(pipeline.Url, "/?history=topics").ToString());
        await ChartsDrawnAsync(page);
        await page.WaitForFunctionAsync("() => document.querySelector('#history-source').dataset.source === 'topics'", null, new() { Timeout = Wait });

        Assert.Equal("history: topics", await page.TextContentAsync("#history-source"));
        Assert.Equal("history from the topics: asked for", await page.GetAttributeAsync("#history-source", "title"));
        await page.CloseAsync();
    }

    [Fact]
    public async Task The_values_shown_for_the_newest_window_are_the_database_rows()
    {
        var page = await OpenAsync();

        // One read of the legend, so a live update cannot slip in between the time and the values.
        var shown = await page.EvaluateAsync<JsonElement>(
            """
            () => ({
              time: Number(document.querySelector('#legend').dataset.time),
              close: document.querySelector('#legend [data-field="close"]').dataset.value,
              open: document.querySelector('#legend [data-field="open"]').dataset.value,
              deviationTime: Number(document.querySelector('#oracle-legend').dataset.time),
              deviation: document.querySelector('#oracle-legend [data-field="deviationPercent"]').dataset.value,
              oracle: document.querySelector('#oracle-legend [data-field="oraclePrice"]').dataset.value,
            })
            """);
        var bucket = DateTimeOffset.FromUnixTimeSeconds(shown.GetProperty("time").GetInt64()).UtcDateTime;
        var deviationBucket = DateTimeOffset.FromUnixTimeSeconds(shown.GetProperty("deviationTime").GetInt64()).UtcDateTime;
        await Eventually.HoldsAsync(
            async () => await pipeline.ScalarAsync<long>("SELECT count(*) FROM market.oracle_deviation WHERE symbol = 'BTC-USD' AND bucket = $1", deviationBucket) == 1
                && await pipeline.ScalarAsync<long>("SELECT count(*) FROM market.consensus_1m WHERE symbol = 'BTC-USD' AND bucket = $1", bucket) == 1,
            "the shown windows in the tables");

        // A browser holds numbers as doubles: the value shown is the row's value at that precision, not a rounding of it.
        Assert.Equal(Double(await pipeline.ScalarAsync<decimal>("SELECT median FROM market.consensus_1m WHERE symbol = 'BTC-USD' AND bucket = $1", bucket)), Parse(shown, "close"));
        Assert.Equal(
            Double(await pipeline.ScalarAsync<decimal>("SELECT deviation_percent FROM market.oracle_deviation WHERE symbol = 'BTC-USD' AND bucket = $1", deviationBucket)),
            Parse(shown, "deviation"));
        Assert.Equal(
            Double(await pipeline.ScalarAsync<decimal>("SELECT oracle_price FROM market.oracle_deviation WHERE symbol = 'BTC-USD' AND bucket = $1", deviationBucket)),
            Parse(shown, "oracle"));
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_new_window_appears_live_without_a_reload_and_provisional_candles_are_replaced()
    {
        var page = await OpenAsync();
        await page.EvaluateAsync("() => { window.sameDocument = true; }");
        var before = await page.EvaluateAsync<long>("() => Number(document.querySelector('#legend').dataset.time)");

        await page.WaitForFunctionAsync($"() => Number(document.querySelector('#legend').dataset.time) > {before}", null, new() { Timeout = Wait });

        Assert.True(await page.EvaluateAsync<bool>("() => window.sameDocument === true"), "the page was reloaded");
        // One read, so a further live window cannot slip in between the time and the close.
        var shown = await page.EvaluateAsync<JsonElement>("() => ({ time: Number(document.querySelector('#legend').dataset.time), close: document.querySelector('#legend [data-field=\"close\"]').dataset.value })");
        var close = shown.GetProperty("close").GetString()!;
        var bucket = DateTimeOffset.FromUnixTimeSeconds(shown.GetProperty("time").GetInt64()).UtcDateTime;
        await Eventually.HoldsAsync(
            async () => await pipeline.ScalarAsync<long>("SELECT count(*) FROM market.consensus_1m WHERE symbol = 'BTC-USD' AND bucket = $1", bucket) == 1, "the live window in the table");
        Assert.Equal(Double(await pipeline.ScalarAsync<decimal>("SELECT median FROM market.consensus_1m WHERE symbol = 'BTC-USD' AND bucket = $1", bucket)), double.Parse(close, CultureInfo.InvariantCulture));
        await page.CloseAsync();
    }

    [Fact]
    public async Task A_symbol_added_through_the_api_appears_on_the_page_and_goes_when_removed()
    {
        var page = await OpenAsync();
        using (var added = await pipeline.Http.PostAsJsonAsync("/symbols", new { symbol = "SOL-USD" }))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        await page.Locator("#assets button[data-asset=\"SOL\"]").WaitForAsync(new() { Timeout = Wait });
        await page.Locator("#latest [data-latest=\"SOL\"]").WaitForAsync(new() { Timeout = Wait });

        using (var removed = await pipeline.Http.DeleteAsync(new Uri("/symbols/SOL-USD", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }

        await page.Locator("#assets button[data-asset=\"SOL\"]").WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = Wait });
        await page.CloseAsync();
    }

    [Fact]
    public async Task The_range_and_symbol_controls_load_the_chosen_range_of_the_chosen_asset()
    {
        var page = await OpenAsync();
        var ethSixHours = page.WaitForResponseAsync(r => r.Url.EndsWith("/api/candles?symbol=ETH&range=6h", StringComparison.Ordinal), new() { Timeout = Wait });

        await page.ClickAsync("#ranges button[data-range=\"6h\"]");
        await page.ClickAsync("#assets button[data-asset=\"ETH\"]");

        Assert.True((await ethSixHours).Ok);
        Assert.Equal("ETH-USD", await page.TextContentAsync("#asset-title"));
        Assert.Equal("true", await page.GetAttributeAsync("#assets button[data-asset=\"ETH\"]", "aria-pressed"));
        Assert.Equal("true", await page.GetAttributeAsync("#ranges button[data-range=\"6h\"]", "aria-pressed"));
        Assert.EndsWith("?symbol=ETH", page.Url, StringComparison.Ordinal);

        // The legend turns to ETH's newest closed window, as the database holds it.
        await Eventually.HoldsAsync(
            async () =>
            {
                var shown = await page.EvaluateAsync<JsonElement>("() => ({ time: Number(document.querySelector('#legend').dataset.time), close: document.querySelector('#legend [data-field=\"close\"]')?.dataset.value ?? '' })");
                var bucket = DateTimeOffset.FromUnixTimeSeconds(shown.GetProperty("time").GetInt64()).UtcDateTime;
                var rows = await pipeline.ScalarAsync<long>("SELECT count(*) FROM market.consensus_1m WHERE symbol = 'ETH-USD' AND bucket = $1", bucket);
                return rows == 1 && shown.GetProperty("close").GetString() is { Length: > 0 } close
                    && Double(await pipeline.ScalarAsync<decimal>("SELECT median FROM market.consensus_1m WHERE symbol = 'ETH-USD' AND bucket = $1", bucket)) == double.Parse(close, CultureInfo.InvariantCulture);
            },
            "the legend showing ETH's newest window from the table\n" + pipeline.BrowserLog);
        await page.CloseAsync();
    }

    [Fact]
    public async Task Without_the_token_the_browser_gets_no_page()
    {
        var page = await pipeline.Browser.NewPageAsync();
        await pipeline.Browser.ClearCookiesAsync();
        try
        {
            var refused = await page.GotoAsync(pipeline.Url.ToString());
            Assert.Equal(401, refused?.Status);
            Assert.Contains("bearer token is required", await page.ContentAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await pipeline.SignInAsync(page);
            await page.CloseAsync();
        }
    }

    [Theory]
    [InlineData(1280, 800, "light")]
    [InlineData(1280, 800, "dark")]
    [InlineData(390, 844, "light")]
    [InlineData(390, 844, "dark")]
    public async Task The_page_fits_desktop_and_phone_width_in_light_and_dark(int width, int height, string scheme)
    {
        var page = await pipeline.Browser.NewPageAsync();
        await page.SetViewportSizeAsync(width, height);
        await page.EmulateMediaAsync(new() { ColorScheme = scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light });
        await page.GotoAsync(pipeline.Url.ToString());
        await ChartsDrawnAsync(page);

        Assert.Equal(scheme, await page.EvaluateAsync<string>("() => document.documentElement.dataset.theme"));
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways");
        var background = await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
        Assert.Equal(scheme == "dark" ? "rgb(15, 18, 22)" : "rgb(246, 247, 249)", background);
        await page.ScreenshotAsync(new() { Path = Path.Combine(pipeline.Artifacts, $"dashboard-{width}x{height}-{scheme}.png"), FullPage = width < 800 });
        await page.CloseAsync();
    }

    private async Task<IPage> OpenAsync()
    {
        var page = await pipeline.Browser.NewPageAsync();
        await page.GotoAsync(pipeline.Url.ToString());
        if (page.Url.Contains("token", StringComparison.Ordinal) || await page.TitleAsync() != "CryptoStreams")
        {
            await pipeline.SignInAsync(page);
        }

        await ChartsDrawnAsync(page);
        return page;
    }

    private async Task ChartsDrawnAsync(IPage page)
    {
        try
        {
            await page.WaitForFunctionAsync(
                "() => Number(document.querySelector('#candles')?.dataset.points) > 0 && Number(document.querySelector('#oracle')?.dataset.points) > 0"
                + " && document.querySelector('#legend')?.dataset.time && document.querySelector('#oracle-legend')?.dataset.time",
                null,
                new() { Timeout = Wait });
            // The live stream is open before anything is compared with it.
            await page.WaitForFunctionAsync("() => document.querySelector('#live').dataset.state === 'open'", null, new() { Timeout = Wait });
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\npage {page.Url}: live '{await page.TextContentAsync("#live")}'\n{pipeline.BrowserLog}", ex);
        }
    }

    private static double Parse(JsonElement shown, string field) => double.Parse(shown.GetProperty(field).GetString()!, CultureInfo.InvariantCulture);

    // Parsing the exact text rounds correctly, as the browser's JSON.parse does.
    private static double Double(decimal value) => double.Parse(value.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
