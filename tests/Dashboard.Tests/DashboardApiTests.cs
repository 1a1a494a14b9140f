using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Dashboard.Tests;

/// <summary>The JSON behind the page, over plain HTTP, against the database rows the loader wrote.</summary>
[Collection(DashboardPipelineGroup.Name)]
public sealed class DashboardApiTests(DashboardPipeline pipeline)
{
    private static readonly string[] QuotePreference = ["USD", "USDT", "USDC"];

    [Fact]
    public async Task Candles_are_the_consensus_rows_with_open_high_low_the_medians_of_the_sources_used()
    {
        using var doc = JsonDocument.Parse(await pipeline.Http.GetStringAsync("/api/candles?symbol=BTC&range=1h"));
        var root = doc.RootElement;
        var finals = root.GetProperty("candles").EnumerateArray().Where(c => c.GetProperty("final").GetBoolean()).ToList();
        var from = root.GetProperty("from").GetDateTimeOffset();
        var to = root.GetProperty("to").GetDateTimeOffset();

        var rows = await pipeline.ScalarAsync<long>(
            "SELECT count(*) FROM market.consensus_1m WHERE symbol = 'BTC-USD' AND median IS NOT NULL AND bucket >= $1 AND bucket <= $2", from.UtcDateTime, to.UtcDateTime);
        Assert.Equal(rows, finals.Count);
        Assert.True(root.GetProperty("shortLength").GetInt32() > 0);

        var newest = finals[^1];
        var bucket = DateTimeOffset.FromUnixTimeSeconds(newest.GetProperty("time").GetInt64()).UtcDateTime;
        Assert.Equal(await pipeline.ScalarAsync<decimal>("SELECT median FROM market.consensus_1m WHERE symbol = 'BTC-USD' AND bucket = $1", bucket), newest.GetProperty("close").GetDecimal());

        // Each used source's most directly USD-quoted candle of that window, then the median of each field.
        var used = await pipeline.ScalarAsync<string[]>("SELECT sources_used FROM market.consensus_1m WHERE symbol = 'BTC-USD' AND bucket = $1", bucket);
        var candles = new List<(string Source, string Symbol, decimal Open, decimal High, decimal Low)>();
        await using (var command = pipeline.Database.CreateCommand("SELECT source, symbol, open, high, low FROM market.candles_1m WHERE bucket = $1 AND symbol LIKE 'BTC-%'"))
        {
            command.Parameters.Add(new() { Value = bucket });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                candles.Add((reader.GetString(0), reader.GetString(1), reader.GetDecimal(2), reader.GetDecimal(3), reader.GetDecimal(4)));
            }
        }

        var chosen = candles.Where(c => used.Contains(c.Source) && QuotePreference.Contains(c.Symbol[4..]))
            .GroupBy(c => c.Source).Select(g => g.OrderBy(c => Array.IndexOf(QuotePreference, c.Symbol[4..])).First()).ToList();
        Assert.Equal(used.Order(), newest.GetProperty("sources").EnumerateArray().Select(s => s.GetString()!).Order());
        Assert.Equal(Median(chosen.Select(c => c.Open)), newest.GetProperty("open").GetDecimal());
        Assert.Equal(Median(chosen.Select(c => c.High)), newest.GetProperty("high").GetDecimal());
        Assert.Equal(Median(chosen.Select(c => c.Low)), newest.GetProperty("low").GetDecimal());
        Assert.NotEmpty(root.GetProperty("sources").EnumerateObject());
        Assert.Contains(root.GetProperty("averages").EnumerateArray(), p => p.GetProperty("smaShort").ValueKind == JsonValueKind.Number);
    }

    [Fact]
    public async Task Deviation_points_are_the_oracle_deviation_rows()
    {
        using var doc = JsonDocument.Parse(await pipeline.Http.GetStringAsync("/api/deviation?symbol=BTC-USD&range=6h"));
        var root = doc.RootElement;
        var points = root.GetProperty("points").EnumerateArray().ToList();
        var rows = new List<(long Time, decimal Oracle, decimal Consensus, decimal Deviation)>();
        await using (var command = pipeline.Database.CreateCommand(
            "SELECT bucket, oracle_price, consensus_price, deviation_percent FROM market.oracle_deviation WHERE symbol = 'BTC-USD' AND bucket >= $1 AND bucket <= $2 ORDER BY bucket"))
        {
            command.Parameters.Add(new() { Value = root.GetProperty("from").GetDateTimeOffset().UtcDateTime });
            command.Parameters.Add(new() { Value = root.GetProperty("to").GetDateTimeOffset().UtcDateTime });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero).ToUnixTimeSeconds(), reader.GetDecimal(1), reader.GetDecimal(2), reader.GetDecimal(3)));
            }
        }

        Assert.NotEmpty(rows);
        Assert.Equal(
            rows,
            points.Select(p => (p.GetProperty("time").GetInt64(), p.GetProperty("oraclePrice").GetDecimal(), p.GetProperty("consensusPrice").GetDecimal(), p.GetProperty("deviationPercent").GetDecimal())));
        Assert.Equal(0.5m, root.GetProperty("thresholdPercent").GetDecimal());
        Assert.Equal(3600, root.GetProperty("heartbeatSeconds").GetDouble());
    }

    [Fact]
    public async Task Signals_are_the_crossover_rows_of_the_symbol()
    {
        string? symbol = null;
        await Eventually.HoldsAsync(
            async () => (symbol = await pipeline.ScalarAsync<object>("SELECT coalesce(min(symbol), '') FROM market.crossover_signals") as string) is { Length: > 0 },
            "a crossover signal in the database", TimeSpan.FromSeconds(90));

        using var doc = JsonDocument.Parse(await pipeline.Http.GetStringAsync($"/api/signals?symbol={symbol}&range=24h"));
        var shown = doc.RootElement.EnumerateArray().Select(s => (s.GetProperty("time").GetInt64(), s.GetProperty("direction").GetString(), s.GetProperty("close").GetDecimal())).ToList();
        var rows = new List<(long, string?, decimal)>();
        await using (var command = pipeline.Database.CreateCommand("SELECT bucket, direction, close FROM market.crossover_signals WHERE symbol = $1 ORDER BY bucket, average"))
        {
            command.Parameters.Add(new() { Value = symbol! });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((new DateTimeOffset(reader.GetDateTime(0), TimeSpan.Zero).ToUnixTimeSeconds(), reader.GetString(1), reader.GetDecimal(2)));
            }
        }

        // Rows written after the request was answered may follow; every row up to it is shown.
        Assert.NotEmpty(shown);
        Assert.Equal(rows.Take(shown.Count), shown);
    }

    [Fact]
    public async Task From_the_topics_the_history_is_what_the_tables_hold_and_the_answer_says_where_it_came_from()
    {
        // The tables first: the topics are at least as far on when they answer. 24 h reaches back to the run's first
        // window, so both sides warm their averages up on the same closes.
        var (fromTables, tablesSource) = await GetAsync("/api/candles?symbol=BTC&range=24h&history=database");
        var (fromTopics, topicsSource) = await GetAsync("/api/candles?symbol=BTC&range=24h&history=topics");
        Assert.Equal("database", tablesSource);
        Assert.Equal("topics; asked for", topicsSource);
        Assert.Equal("topics", fromTopics.GetProperty("history").GetProperty("name").GetString());
        Assert.Equal("database", fromTables.GetProperty("history").GetProperty("name").GetString());

        // The loader writes each topic in its own batches, so the tables' newest window may lack its final candles for a
        // moment; every window before it is settled.
        var settled = fromTables.GetProperty("to").GetDateTimeOffset().AddMinutes(-1).ToUnixTimeSeconds();
        static Dictionary<long, string> Finals(JsonElement history, long before) => history.GetProperty("candles").EnumerateArray()
            .Where(c => c.GetProperty("final").GetBoolean() && c.GetProperty("time").GetInt64() < before)
            .ToDictionary(c => c.GetProperty("time").GetInt64(), c => c.GetRawText());
        static Dictionary<long, string> Averages(JsonElement history, long before) => history.GetProperty("averages").EnumerateArray()
            .Where(p => p.GetProperty("time").GetInt64() < before)
            .ToDictionary(p => p.GetProperty("time").GetInt64(), p => p.GetRawText());
        var tables = Finals(fromTables, settled);
        Assert.True(tables.Count >= 10, $"{tables.Count} settled windows");
        Assert.Equal(tables, Finals(fromTopics, settled));
        Assert.Equal(Averages(fromTables, settled), Averages(fromTopics, settled));

        var (deviationTables, _) = await GetAsync("/api/deviation?symbol=BTC&range=24h&history=database");
        var (deviationTopics, _) = await GetAsync("/api/deviation?symbol=BTC&range=24h&history=topics");
        // By value: the tables' numeric columns carry their own scale (102.50 vs 102.5).
        static List<(long, decimal, decimal, decimal, bool)> Values(JsonElement history) => [.. history.GetProperty("points").EnumerateArray().Select(p => (
            p.GetProperty("time").GetInt64(), p.GetProperty("oraclePrice").GetDecimal(), p.GetProperty("consensusPrice").GetDecimal(),
            p.GetProperty("deviationPercent").GetDecimal(), p.GetProperty("stale").GetBoolean()))];
        var points = Values(deviationTables);
        Assert.NotEmpty(points);
        Assert.Equal(points, Values(deviationTopics).Take(points.Count));

        using var unknown = await pipeline.Http.GetAsync(new Uri("/api/signals?symbol=BTC&history=s3", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    private async Task<(JsonElement Body, string Source)> GetAsync(string path)
    {
        using var response = await pipeline.Http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(), string.Join(",", response.Headers.GetValues("History-Source")));
    }

    [Theory]
    [InlineData("/api/candles?symbol=BTC&range=2d", "range '2d'")]
    [InlineData("/api/deviation?symbol=b%24c&range=1h", "symbol 'b$c'")]
    [InlineData("/api/signals", "symbol ''")]
    public async Task A_bad_symbol_or_range_is_answered_400_with_the_reason(string path, string reason)
    {
        using var response = await pipeline.Http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, body.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bound_beyond_loopback_every_request_but_health_needs_the_token()
    {
        using var anonymous = new HttpClient { BaseAddress = pipeline.Url };
        foreach (var path in new[] { "/", "/dashboard/dashboard.js", "/api/candles?symbol=BTC", "/api/stream", "/status", "/?token=wrong-token-0123456789" })
        {
            using var refused = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {refused.StatusCode}");
        }

        using var health = await anonymous.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        using var withCookie = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = pipeline.Url };
        using var signIn = await withCookie.GetAsync(new Uri("/?token=" + DashboardPipeline.Token, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/", signIn.Headers.Location?.OriginalString);
        Assert.Contains(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("cryptostreams_token=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task The_stream_sends_the_status_document_then_each_final_consensus_as_it_reaches_the_topic()
    {
        using var response = await pipeline.Http.GetAsync(new Uri("/api/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var events = new List<(string Name, JsonElement Data)>();
        string? name = null;
        while (!events.Any(e => e.Name == "consensus" && e.Data.GetProperty("candle").GetProperty("final").GetBoolean()))
        {
            var line = await reader.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                break;
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
            {
                events.Add((name, JsonDocument.Parse(line[6..]).RootElement.Clone()));
            }
        }

        Assert.Equal("symbols", events[0].Name);
        Assert.Equal("status", events[1].Name);
        Assert.True(events[1].Data.GetProperty("stages").TryGetProperty("topology", out _));
        var final = events.Last(e => e.Name == "consensus").Data;
        var bucket = DateTimeOffset.FromUnixTimeSeconds(final.GetProperty("candle").GetProperty("time").GetInt64()).UtcDateTime;
        var symbol = final.GetProperty("asset").GetString() + "-USD";

        // The page had it from the topic; the loader writes the same record to the table.
        await Eventually.HoldsAsync(
            async () => await pipeline.ScalarAsync<long>("SELECT count(*) FROM market.consensus_1m WHERE symbol = $1 AND bucket = $2", symbol, bucket) == 1,
            "the streamed consensus in the table");
        Assert.Equal(
            await pipeline.ScalarAsync<decimal>("SELECT median FROM market.consensus_1m WHERE symbol = $1 AND bucket = $2", symbol, bucket),
            final.GetProperty("candle").GetProperty("close").GetDecimal());
    }

    private static decimal Median(IEnumerable<decimal> values)
    {
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
