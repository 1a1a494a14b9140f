using CryptoStreams.Cli;
using CryptoStreams.Cli.Commands;
using CryptoStreams.Cli.Hosting;
using Microsoft.Extensions.Configuration;

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

    [Theory]
    [InlineData(60, "00:02:00")]
    [InlineData(5, "00:00:30")]
    public void The_simulated_market_widens_the_grace_period_with_its_speed(double speed, string grace)
    {
        var configuration = new ConfigurationBuilder().AddCryptoStreamsLayers(null, [], ExtractorModes.Defaults(simulate: true, speed)).Build();

        Assert.Equal(grace, configuration["Topology:Grace"]);
    }

    [Fact]
    public void A_grace_period_from_configuration_wins_over_the_simulated_default()
    {
        var configuration = new ConfigurationBuilder()
            .AddCryptoStreamsLayers(null, [new("Topology:Grace", "00:00:10")], ExtractorModes.Defaults(simulate: true, speed: 60))
            .Build();

        Assert.Equal("00:00:10", configuration["Topology:Grace"]);
        Assert.Empty(ExtractorModes.Defaults(simulate: false, speed: 60));
    }
}
