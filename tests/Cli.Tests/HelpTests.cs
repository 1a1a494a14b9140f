using System.CommandLine;
using CryptoStreams.Cli;

namespace CryptoStreams.Cli.Tests;

public class HelpTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [Fact]
    public void Root_help_lists_every_subcommand_of_the_architecture()
    {
        var (exit, text, _) = Run("--help");

        Assert.Equal(0, exit);
        foreach (var sub in new[] { "up", "extract", "process", "load", "broker", "topics", "watch", "replay", "db", "status", "archive" })
        {
            Assert.Matches($@"(?m)^\s+{sub}\b", text);
        }
    }

    [Theory]
    [InlineData("topics", "create")]
    [InlineData("topics", "describe")]
    [InlineData("db", "migrate")]
    [InlineData("db", "status")]
    public void Group_help_lists_its_subcommands(string group, string sub)
    {
        var (exit, text, _) = Run(group, "--help");

        Assert.Equal(0, exit);
        Assert.Matches($@"(?m)^\s+{sub}\b", text);
    }

    [Fact]
    public void Every_subcommand_has_a_description_in_its_help()
    {
        foreach (var command in CliApplication.Create().Subcommands)
        {
            Assert.False(string.IsNullOrWhiteSpace(command.Description), $"{command.Name} has no description");
            var (exit, text, _) = Run(command.Name, "--help");
            Assert.Equal(0, exit);
            Assert.Contains(command.Description!, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Unknown_subcommand_fails()
    {
        var (exit, _, err) = Run("frobnicate");

        Assert.NotEqual(0, exit);
        Assert.Contains("frobnicate", err, StringComparison.Ordinal);
    }
}
