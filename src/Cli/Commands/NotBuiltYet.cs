using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

/// <summary>
/// The action of a subcommand whose stage is not built yet: it says so and exits non-zero rather than
/// pretending to work.
/// </summary>
internal static class NotBuiltYet
{
    public const int ExitCode = 3;

    public static void Attach(Command command, string issue) =>
        command.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Error.WriteLine(
                $"cryptostreams {command.Name}: not built yet (tracked in {issue}); nothing was done.");
            return ExitCode;
        });
}
