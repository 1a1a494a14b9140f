using System.CommandLine;
using CryptoStreams.Broker.Security;

namespace CryptoStreams.Cli.Commands;

/// <summary>
/// <c>cryptostreams broker users add|list|remove</c>: the SCRAM users kept in a data directory's
/// <c>security/users.json</c> (salted keys only). The broker reads the file when it starts, so a change reaches a
/// running broker at its next start.
/// </summary>
internal static class BrokerUsersCommand
{
    public static Command Create(Option<DirectoryInfo> dataDir)
    {
        var name = new Argument<string>("name") { Description = "User name (the principal is User:<name>)." };
        // Never an argument: a password on the command line is visible to every local user in the process list.
        var passwordFile = new Option<FileInfo?>("--password-file") { Description = "File whose first line is the password (default: the first line of standard input)." };
        var iterations = new Option<int>("--iterations") { Description = "SCRAM iterations (at least 4096).", DefaultValueFactory = _ => ScramMechanism.MinIterations };

        var add = new Command("add", "Add a user, or replace its password, with SCRAM-SHA-256 and SCRAM-SHA-512 credentials.") { name, passwordFile, iterations };
        add.SetAction(async (parse, cancellationToken) =>
        {
            var user = parse.GetValue(name)!;
            var file = parse.GetValue(passwordFile);
            if (file is { Exists: false })
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"--password-file {file.FullName} does not exist").ConfigureAwait(false);
                return 2;
            }

            var password = await ReadPasswordAsync(file, cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(password))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(file is null
                    ? "no password: give --password-file or pipe it on standard input"
                    : $"--password-file {file.FullName} has no password on its first line").ConfigureAwait(false);
                return 2;
            }

            var path = UsersFile(parse.GetValue(dataDir)!);
            var store = UserStore.ReadFile(path);
            var replaced = store.Names.Contains(user);
            try
            {
                store.Set(user, password, parse.GetValue(iterations));
            }
            catch (ArgumentException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return 2;
            }

            store.WriteFile(path);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"{(replaced ? "replaced" : "added")} user {user} in {path}; a running broker sees it at its next start").ConfigureAwait(false);
            return 0;
        });

        var list = new Command("list", "List the users of the data directory.");
        list.SetAction(async (parse, _) =>
        {
            var store = UserStore.ReadFile(UsersFile(parse.GetValue(dataDir)!));
            foreach (var user in store.Names.Order(StringComparer.Ordinal))
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(user).ConfigureAwait(false);
            }

            return 0;
        });

        var removed = new Argument<string>("name") { Description = "User to remove." };
        var remove = new Command("remove", "Remove a user.") { removed };
        remove.SetAction(async (parse, _) =>
        {
            var user = parse.GetValue(removed)!;
            var path = UsersFile(parse.GetValue(dataDir)!);
            var store = UserStore.ReadFile(path);
            if (!store.Remove(user))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"no user {user} in {path}").ConfigureAwait(false);
                return 1;
            }

            store.WriteFile(path);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"removed user {user} from {path}").ConfigureAwait(false);
            return 0;
        });

        return new Command("users", "Manage the broker's SCRAM users (security/users.json of --data-dir).") { add, list, remove };
    }

    private static string UsersFile(DirectoryInfo dataDir) => UserStore.FilePath(dataDir.FullName);

    private static async Task<string?> ReadPasswordAsync(FileInfo? file, CancellationToken cancellationToken)
    {
        if (file is not null)
        {
            var lines = await File.ReadAllLinesAsync(file.FullName, cancellationToken).ConfigureAwait(false);
            return lines.FirstOrDefault()?.Trim();
        }

        return Console.IsInputRedirected ? (await Console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false))?.Trim() : null;
    }
}
