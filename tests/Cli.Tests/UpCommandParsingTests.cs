using CryptoStreams.Cli;

namespace CryptoStreams.Cli.Tests;

public class UpCommandParsingTests
{
    [Theory]
    [InlineData("up", "--simulate")]
    [InlineData("up")]
    [InlineData("up", "--simulate", "--speed", "120", "--seed", "7")]
    public void The_readme_invocations_of_up_parse_without_errors(params string[] args)
    {
        var result = CliApplication.Create().Parse(args);

        Assert.Empty(result.Errors);
    }

    [Theory]
    [InlineData("0", "--speed must be positive.")]
    [InlineData("-5", "--speed must be positive.")]
    public void A_given_speed_that_is_not_positive_is_refused(string speed, string message)
    {
        var result = CliApplication.Create().Parse(["up", "--simulate", "--speed", speed]);

        Assert.Contains(result.Errors, e => e.Message == message);
    }

    [Fact]
    public void Simulate_and_replay_exclude_each_other()
    {
        var result = CliApplication.Create().Parse(["up", "--simulate", "--replay", "/tmp"]);

        Assert.Contains(result.Errors, e => e.Message.Contains("exclude each other", StringComparison.Ordinal));
    }
}
