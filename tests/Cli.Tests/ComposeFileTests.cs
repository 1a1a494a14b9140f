using System.Diagnostics;
using System.Text.RegularExpressions;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Cli.Tests;

/// <summary>
/// Makes sure Debian's <c>docker-compose</c> is there to validate the compose file: installs it when the tests run as
/// root (as <c>scripts/prereqs.sh</c> does), otherwise fails with what to run. There is no Docker engine here;
/// <c>docker-compose config</c> needs none.
/// </summary>
public sealed class DockerComposeFixture
{
    public DockerComposeFixture()
    {
        if (Run("bash", "-c", "command -v docker-compose").Exit == 0)
        {
            return;
        }

        if (Run("id", "-u").Out.Trim() != "0")
        {
            throw new InvalidOperationException("docker-compose is not installed; run scripts/prereqs.sh as root or: sudo apt-get install -y docker-compose");
        }

        var install = Run("bash", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose)");
        if (install.Exit != 0)
        {
            throw new InvalidOperationException("apt-get install docker-compose failed: " + install.Err);
        }
    }

    public static (int Exit, string Out, string Err) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        // Values the compose file reads from the environment must not leak in from the machine running the tests.
        start.Environment.Remove("POSTGRES_PASSWORD");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

public class ComposeFileTests(DockerComposeFixture compose) : IClassFixture<DockerComposeFixture>
{
    private static readonly string[] OurServices = ["extract", "process", "load", "migrate"];

    private readonly DockerComposeFixture compose = compose;

    private static string Config()
    {
        var (exit, output, error) = DockerComposeFixture.Run("docker-compose", "-f", "docker-compose.yml", "config");
        Assert.True(exit == 0, "docker-compose config failed: " + error);
        return output;
    }

    /// <summary>The block of one service in the normalised output (two-space indented under <c>services:</c>).</summary>
    private static string Service(string config, string name)
    {
        var match = Regex.Match(config, $@"(?ms)^  {Regex.Escape(name)}:\n(.*?)(?=^  \S|^\S)");
        Assert.True(match.Success, $"service {name} not in the compose config");
        return match.Groups[1].Value;
    }

    [Fact]
    public void Compose_file_is_valid_and_has_every_service_of_the_stack()
    {
        Assert.NotNull(compose);
        var (exit, output, error) = DockerComposeFixture.Run("docker-compose", "-f", "docker-compose.yml", "config", "--services");

        Assert.True(exit == 0, error);
        Assert.Equal(
            new[] { "adminer", "archive", "extract", "kafka", "load", "migrate", "minio", "minio-init", "process", "schema-registry", "timescaledb", "topics-init" },
            output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Kafka_is_the_official_image_in_KRaft_mode_with_topics_created_by_topics_sh()
    {
        var config = Config();
        var kafka = Service(config, "kafka");
        var init = Service(config, "topics-init");

        Assert.Matches(@"image: apache/kafka:\d", kafka);
        Assert.Contains("KAFKA_PROCESS_ROLES: broker,controller", kafka, StringComparison.Ordinal);
        Assert.Contains("KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false'".Replace('\'', '"'), kafka, StringComparison.Ordinal);
        Assert.Contains($"KAFKA_NUM_PARTITIONS: {TopicCatalog.DefaultPartitions}", kafka, StringComparison.Ordinal);
        Assert.Contains("healthcheck:", kafka, StringComparison.Ordinal);
        Assert.Matches(@"- \S*/topics\.sh:/topics\.sh:ro", init);
        Assert.Matches(@"kafka:\n\s+condition: service_healthy", init);
    }

    [Fact]
    public void Our_services_share_one_image_wait_for_topics_and_load_runs_two_replicas_in_one_group()
    {
        var config = Config();
        foreach (var name in OurServices)
        {
            var service = Service(config, name);
            Assert.Contains("dockerfile: Dockerfile", service, StringComparison.Ordinal);
            Assert.Contains("image: cryptostreams:latest", service, StringComparison.Ordinal);
            Assert.Contains("CRYPTOSTREAMS__Kafka__BootstrapServers: kafka:19092", service, StringComparison.Ordinal);
            Assert.Contains("CRYPTOSTREAMS__Database__ConnectionString: Host=timescaledb;", service, StringComparison.Ordinal);
        }

        foreach (var name in new[] { "extract", "process", "load" })
        {
            Assert.Matches(@"topics-init:\n\s+condition: service_completed_successfully", Service(config, name));
            Assert.Contains("- status\n      - --health", Service(config, name), StringComparison.Ordinal);
        }

        var load = Service(config, "load");
        Assert.Matches(@"deploy:\n\s+replicas: 2", load);
        Assert.Contains("CRYPTOSTREAMS__Loader__GroupId: cryptostreams-loader", load, StringComparison.Ordinal);
        Assert.Matches(@"migrate:\n\s+condition: service_completed_successfully", load);
        Assert.Matches(@"command:\n\s+- db\n\s+- migrate", Service(config, "migrate"));
    }

    [Fact]
    public void Database_is_TimescaleDB_with_a_volume_and_a_health_check_and_Adminer_on_8080()
    {
        var config = Config();
        var db = Service(config, "timescaledb");

        Assert.Matches(@"image: timescale/timescaledb:", db);
        Assert.Contains("pg_isready", db, StringComparison.Ordinal);
        Assert.Contains("- timescale-data:/var/lib/postgresql/data", db, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:8080:8080", Service(config, "adminer"), StringComparison.Ordinal);
        Assert.Matches(@"image: confluentinc/cp-schema-registry:", Service(config, "schema-registry"));
    }

    [Fact]
    public void The_archive_runs_in_its_own_group_and_writes_to_MinIO_after_its_bucket_is_created()
    {
        var config = Config();
        var archive = Service(config, "archive");

        Assert.Contains("image: cryptostreams:latest", archive, StringComparison.Ordinal);
        Assert.Matches(@"command:\n\s+- archive\n", archive);
        Assert.Contains("CRYPTOSTREAMS__Kafka__BootstrapServers: kafka:19092", archive, StringComparison.Ordinal);
        Assert.Contains("CRYPTOSTREAMS__Archive__S3__ServiceUrl: http://minio:9000", archive, StringComparison.Ordinal);
        Assert.Contains("CRYPTOSTREAMS__Archive__S3__Bucket: cryptostreams-archive", archive, StringComparison.Ordinal);
        Assert.DoesNotContain("GroupId", archive, StringComparison.Ordinal);
        Assert.Matches(@"minio-init:\n\s+condition: service_completed_successfully", archive);
        Assert.Matches(@"topics-init:\n\s+condition: service_completed_successfully", archive);
        Assert.Matches(@"image: minio/minio:", Service(config, "minio"));
        var init = Service(config, "minio-init");
        Assert.Contains("mc mb --ignore-existing archive/cryptostreams-archive", init, StringComparison.Ordinal);
        Assert.Matches(@"minio:\n\s+condition: service_healthy", init);
    }

    [Fact]
    public void Published_ports_bind_to_loopback_only()
    {
        var config = Config();

        var published = Regex.Matches(config, @"(?m)^\s+- (\S+:\d+:\d+/tcp)$").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(published);
        Assert.All(published, p => Assert.StartsWith("127.0.0.1:", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Dockerfile_builds_in_the_sdk_and_runs_the_cli_in_the_aspnet_runtime()
    {
        var dockerfile = File.ReadAllText(RepositoryPaths.Combine("Dockerfile"));

        Assert.Matches(@"(?m)^FROM mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build$", dockerfile);
        Assert.Matches(@"(?m)^FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0 AS runtime$", dockerfile);
        Assert.Contains("dotnet publish src/Cli/CryptoStreams.Cli.csproj", dockerfile, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^ENTRYPOINT \[""cryptostreams""\]$", dockerfile);
        // Every project the CLI references is copied before restore, or the restore layer would miss one.
        var csproj = File.ReadAllText(RepositoryPaths.Combine("src", "Cli", "CryptoStreams.Cli.csproj"));
        foreach (Match reference in Regex.Matches(csproj, @"ProjectReference Include=""\.\./(\w+)/(\S+\.csproj)"""))
        {
            Assert.Contains($"COPY src/{reference.Groups[1].Value}/{reference.Groups[2].Value} src/{reference.Groups[1].Value}/", dockerfile, StringComparison.Ordinal);
        }
    }
}
