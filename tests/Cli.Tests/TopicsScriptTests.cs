using System.Diagnostics;
using CryptoStreams.Cli.TopicManagement;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Cli.Tests;

public class TopicsScriptTests
{
    [Fact]
    public void Checked_in_topics_sh_is_the_one_generated_from_the_catalog()
    {
        var checkedIn = File.ReadAllText(RepositoryPaths.Combine("topics.sh"));

        Assert.True(
            checkedIn == TopicsScript.Generate(TopicCatalog.All()),
            $"topics.sh is out of date with TopicCatalog; regenerate it: {TopicsScript.RegenerateCommand}");
    }

    [Fact]
    public void Topics_script_subcommand_prints_the_generated_script()
    {
        var (exit, output, _) = CliRunner.Run("topics", "script");

        Assert.Equal(0, exit);
        Assert.Equal(TopicsScript.Generate(TopicCatalog.All()), output);
    }

    [Fact]
    public async Task Running_topics_sh_asks_kafka_topics_for_every_catalog_topic_with_its_configs()
    {
        // kafka-topics.sh is not installed here; a stand-in records the arguments it is called with.
        var dir = Directory.CreateTempSubdirectory("topics-sh-");
        try
        {
            var calls = Path.Combine(dir.FullName, "calls.txt");
            var standIn = Path.Combine(dir.FullName, "kafka-topics.sh");
            await File.WriteAllTextAsync(standIn, $"#!/usr/bin/env bash\necho \"$*\" >> '{calls}'\n");
            Assert.False(OperatingSystem.IsWindows(), "topics.sh is a bash script");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var start = new ProcessStartInfo("bash", [RepositoryPaths.Combine("topics.sh")]) { RedirectStandardError = true, RedirectStandardOutput = true };
            start.Environment["KAFKA_TOPICS"] = standIn;
            start.Environment["BOOTSTRAP_SERVERS"] = "broker-1:9092";
            start.Environment["PARTITIONS"] = "12";
            using var process = Process.Start(start)!;
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);

            var lines = await File.ReadAllLinesAsync(calls);
            var catalog = TopicCatalog.All(12);
            Assert.Equal(catalog.Count + 1, lines.Length);
            foreach (var topic in catalog)
            {
                var line = Assert.Single(lines, l => l.Contains($"--topic {topic.Name} ", StringComparison.Ordinal));
                Assert.Contains("--bootstrap-server broker-1:9092 --create --if-not-exists", line, StringComparison.Ordinal);
                Assert.Contains($"--partitions {topic.Partitions} --replication-factor 1", line, StringComparison.Ordinal);
                foreach (var (key, value) in topic.Configs)
                {
                    Assert.Contains($"--config {key}={value}", line, StringComparison.Ordinal);
                }
            }

            Assert.EndsWith("--list", lines[^1], StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
