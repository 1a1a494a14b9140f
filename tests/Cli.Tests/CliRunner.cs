using System.CommandLine;

namespace CryptoStreams.Cli.Tests;

/// <summary>Runs the real command tree in-process with captured output.</summary>
internal static class CliRunner
{
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CliApplication.Create().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    public static async Task<(int Exit, string Out, string Err)> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await CliApplication.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
