using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Cli.Api;

/// <summary>The management API (<c>Api</c> section): where it listens and the token it asks for beyond loopback.</summary>
internal sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Off for runs that must not take port 5000 (tests, a second pipeline on the machine).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Address to bind: <c>127.0.0.1</c> (default), <c>localhost</c>, or e.g. <c>0.0.0.0</c> (needs <see cref="Token"/>).</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    [Range(0, 65535)]
    public int Port { get; set; } = 5000;

    /// <summary>Bearer token every request except <c>/health</c> must carry; required when <see cref="Host"/> is not loopback.</summary>
    public string? Token { get; set; }

    public bool IsLoopback =>
        string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(Host, out var address) && IPAddress.IsLoopback(address));

    public Uri Url => new($"http://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}");
}

/// <summary>Refuses to expose the API beyond loopback without a token, with a message that says how to fix it.</summary>
internal sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Enabled && !options.IsLoopback && string.IsNullOrWhiteSpace(options.Token))
        {
            return ValidateOptionsResult.Fail(
                $"Api:Host is {options.Host}, beyond loopback, but Api:Token is not set. Anyone who can reach the port could change "
                + "the tracked symbols. Set a token (Api:Token, or the environment variable CRYPTOSTREAMS__Api__Token) or bind to 127.0.0.1.");
        }

        if (options.Token is { Length: > 0 and < 16 })
        {
            return ValidateOptionsResult.Fail("Api:Token must have at least 16 characters.");
        }

        return ValidateOptionsResult.Success;
    }
}
