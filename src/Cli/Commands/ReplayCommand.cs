using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

internal static class ReplayCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("dir") { Description = "Folder of NDJSON frame recordings written by --record." };
        var command = new Command("replay", "Push recorded exchange frames through the parsers into the raw topics, deterministically.") { dir };
        NotBuiltYet.Attach(command, "issue #7");
        return command;
    }
}
