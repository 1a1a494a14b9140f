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
        builder.Configure(o =>
        {
            var security = select(o);
            configuration.GetSection("Kafka").Bind(security);
            configuration.GetSection(stageSection + ":Kafka").Bind(security);
        });
        builder.Services.AddSingleton<IValidateOptions<TOptions>>(new KafkaSecurityValidator<TOptions>(builder.Name, stageSection, select));
        return builder;
    }

    private sealed class KafkaSecurityValidator<TOptions>(string? optionsName, string stageSection, Func<TOptions, KafkaSecurityOptions> select) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            if (optionsName is not null && name != optionsName)
            {
                return ValidateOptionsResult.Skip;
            }

            var problems = select(options).Problems($"Kafka (or {stageSection}:Kafka)").ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
