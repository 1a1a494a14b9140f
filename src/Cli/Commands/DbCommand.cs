using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

internal static class DbCommand
{
    public static Command Create()
    {
        var command = new Command("db", "Database schema: apply migrations, show status and mode (TimescaleDB or plain PostgreSQL).");
        foreach (var (name, description) in new[]
                 {
                     ("migrate", "Apply pending migrations under an advisory lock."),
                     ("status", "Show applied migrations, storage mode and row counts."),
                 })
        {
            var sub = new Command(name, description);
            NotBuiltYet.Attach(sub, "issue #5");
            command.Subcommands.Add(sub);
        }

        return command;
    }
}
