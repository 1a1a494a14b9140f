using System.CommandLine;
using Spectre.Console;

namespace CryptoStreams.Cli;

/// <summary>
/// A Spectre console over the invocation's output writer, so commands render the same way to a terminal
/// and to the writer a test passes in.
/// </summary>
internal static class CliConsole
{
    public static IAnsiConsole For(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        return For(parseResult.InvocationConfiguration.Output);
    }

    public static IAnsiConsole For(TextWriter writer)
    {
        var isConsole = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            // Colour only on a real terminal; captured output (tests, pipes) stays plain text.
            Ansi = isConsole ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = isConsole ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = isConsole ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!isConsole)
        {
            // Pipes and captured output have no width; wrapping them at 80 columns would split names and values.
            console.Profile.Width = 240;
        }

        return console;
    }

    /// <summary>Writes a one-line error in red to the error writer and returns exit code 1.</summary>
    public static int Fail(ParseResult parseResult, string message)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        parseResult.InvocationConfiguration.Error.WriteLine(message);
        return 1;
    }
}
