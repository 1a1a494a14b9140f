using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Schema.Kafka;

/// <summary>The one precedence rule for a stage's Kafka security: the shared <c>Kafka</c> section, then the stage's own <c>&lt;Stage&gt;:Kafka</c>.</summary>
public static class KafkaSecurityBinding
{
    /// <summary>
    /// Binds <paramref name="select"/>'s <see cref="KafkaSecurityOptions"/> from <c>Kafka</c> and then
    /// <c><paramref name="stageSection"/>:Kafka</c> (so one stage can run as its own user), and refuses to start with
    /// every problem named.
    /// </summary>
    public static OptionsBuilder<TOptions> BindKafkaSecurity<TOptions>(this OptionsBuilder<TOptions> builder, IConfiguration configuration, string stageSection, Func<TOptions, KafkaSecurityOptions> select)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(select);
        builder.Configure(o => Bind(configuration, stageSection, select(o)));
        builder.Services.AddSingleton<IValidateOptions<TOptions>>(new KafkaSecurityValidator<TOptions>(builder.Name, stageSection, select));
        return builder;
    }

    /// <summary>
    /// The same precedence for a client that is not built from bound options (the CLI's admin and view consumers):
    /// the settings, or an <see cref="InvalidOperationException"/> naming every problem.
    /// </summary>
    public static KafkaSecurityOptions Read(IConfiguration configuration, string stageSection)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var security = new KafkaSecurityOptions();
        Bind(configuration, stageSection, security);
        var problems = security.Problems(Where(stageSection)).ToList();
        return problems.Count == 0 ? security : throw new InvalidOperationException("invalid Kafka security settings: " + string.Join(" ", problems));
    }

    private static void Bind(IConfiguration configuration, string stageSection, KafkaSecurityOptions security)
    {
        configuration.GetSection("Kafka").Bind(security);
        configuration.GetSection(stageSection + ":Kafka").Bind(security);
    }

    private static string Where(string stageSection) => $"Kafka (or {stageSection}:Kafka)";

    private sealed class KafkaSecurityValidator<TOptions>(string? optionsName, string stageSection, Func<TOptions, KafkaSecurityOptions> select) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            if (optionsName is not null && name != optionsName)
            {
                return ValidateOptionsResult.Skip;
            }

            var problems = select(options).Problems(Where(stageSection)).ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
