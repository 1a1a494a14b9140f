using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

/// <summary>Options shared by several subcommands, so they are spelled and described once.</summary>
internal static class CommonOptions
{
    public const string DefaultBootstrap = "127.0.0.1:9092";

    public static Option<string> Bootstrap() => new("--bootstrap", "-b")
    {
        Description = "Kafka bootstrap servers (host:port[,host:port]). Default: the embedded broker on " + DefaultBootstrap + ".",
        DefaultValueFactory = _ => DefaultBootstrap,
    };

    public static Option<string?> Database() => new("--database")
    {
        Description = "PostgreSQL connection string (Npgsql format). Default: the project's private cluster (scripts/postgres.sh).",
    };

    public static Option<FileInfo?> Config() => new("--config")
    {
        Description = "Extra JSON configuration file, layered over appsettings.json and under environment variables (CRYPTOSTREAMS__…).",
    };
}
