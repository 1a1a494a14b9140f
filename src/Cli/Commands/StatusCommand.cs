using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using CryptoStreams.Cli.Hosting;
using Spectre.Console;

namespace CryptoStreams.Cli.Commands;

internal static class StatusCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url")
        {
            Description = "Management API of the running pipeline.",
            DefaultValueFactory = _ => DefaultUrl(),
            CustomParser = result => Uri.TryCreate(result.Tokens.Single().Value, UriKind.Absolute, out var parsed) ? parsed.ToString() : ReportBadUrl(result),
        };
        var token = new Option<string?>("--token")
        {
            Description = "Bearer token (Api:Token) when the API is bound beyond loopback. Default: $CRYPTOSTREAMS__Api__Token.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CRYPTOSTREAMS__Api__Token"),
        };
        var health = new Option<bool>("--health") { Description = "Only check GET /health: exit 0 when the pipeline answers (for container health checks)." };
        var json = new Option<bool>("--json") { Description = "Print the JSON of GET /status as it is." };
        var command = new Command("status", "Show the status of a running pipeline (management API on 127.0.0.1:5000).") { url, token, health, json };
        command.SetAction(async (parseResult, ct) =>
        {
            using var http = new HttpClient { BaseAddress = new Uri(parseResult.GetValue(url)!), Timeout = TimeSpan.FromSeconds(5) };
            if (parseResult.GetValue(token) is { Length: > 0 } bearer)
            {
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }

            var path = parseResult.GetValue(health) ? "/health" : "/status";
            string body;
            try
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative), ct).ConfigureAwait(false);
                body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    return CliConsole.Fail(parseResult, $"status: {http.BaseAddress}{path[1..]} answered {(int)response.StatusCode}: {body.Trim()}");
                }
            }
            catch (HttpRequestException ex)
            {
                return CliConsole.Fail(parseResult, $"status: no pipeline answers at {http.BaseAddress} ({ex.Message}); is `cryptostreams up` running?");
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                return CliConsole.Fail(parseResult, $"status: {http.BaseAddress} did not answer within 5 s");
            }

            if (parseResult.GetValue(health) || parseResult.GetValue(json))
            {
                parseResult.InvocationConfiguration.Output.WriteLine(body);
                return 0;
            }

            Render(CliConsole.For(parseResult), body);
            return 0;
        });
        return command;
    }

    private static string ReportBadUrl(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError($"--url: '{result.Tokens.Single().Value}' is not an absolute URL such as http://127.0.0.1:5000");
        return string.Empty;
    }

    private static string DefaultUrl()
    {
        var host = Environment.GetEnvironmentVariable("CRYPTOSTREAMS__Api__Host") is { Length: > 0 } h && h is not ("0.0.0.0" or "::") ? h : "127.0.0.1";
        var port = Environment.GetEnvironmentVariable("CRYPTOSTREAMS__Api__Port") is { Length: > 0 } p ? p : "5000";
        return $"http://{host}:{port}";
    }

    /// <summary>One table per stage, its snapshot flattened to <c>path = value</c> rows.</summary>
    private static void Render(IAnsiConsole console, string body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        console.MarkupLine($"[bold]pipeline[/] up {root.GetProperty("uptimeSeconds").GetDouble():0} s, symbols: {Markup.Escape(string.Join(", ", root.GetProperty("symbols").EnumerateArray().Select(s => s.GetString())))}");
        foreach (var stage in root.GetProperty("stages").EnumerateObject())
        {
            var table = new Table().Title($"[bold]{Markup.Escape(stage.Name)}[/]").AddColumns("", "");
            table.HideHeaders();
            var rows = StatusFlattening.Rows(stage.Value);
            foreach (var (key, value) in rows)
            {
                table.AddRow(Markup.Escape(key), Markup.Escape(value));
            }

            if (rows.Count == 0)
            {
                table.AddRow("[grey]no status yet[/]", string.Empty);
            }

            console.Write(table);
        }
    }
}
