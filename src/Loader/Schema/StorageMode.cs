namespace CryptoStreams.Loader.Schema;

/// <summary>Where the market tables live: TimescaleDB hypertables, or plain PostgreSQL tables with BRIN indexes.</summary>
public enum StorageMode
{
    PostgreSql,
    TimescaleDb,
}

/// <summary>What the operator asked for (<c>Loader:Storage</c>): decide from the server, or insist on one mode.</summary>
public enum StoragePreference
{
    Auto,
    PostgreSql,
    TimescaleDb,
}

/// <summary>
/// Chooses the storage mode. A database that was already migrated keeps the mode it was migrated in: mixing
/// hypertable and plain-table migrations in one schema would leave it in neither shape.
/// </summary>
public static class StorageModeSelector
{
    /// <param name="preference">The configured preference.</param>
    /// <param name="timescaleAvailable">Whether <c>pg_available_extensions</c> lists <c>timescaledb</c>.</param>
    /// <param name="recorded">The mode recorded in the schema history, when migrations were applied before.</param>
    /// <exception cref="InvalidOperationException">The preference cannot be honoured; the message says why.</exception>
    public static StorageMode Choose(StoragePreference preference, bool timescaleAvailable, StorageMode? recorded)
    {
        if (recorded is { } already)
        {
            if ((preference == StoragePreference.TimescaleDb && already != StorageMode.TimescaleDb)
                || (preference == StoragePreference.PostgreSql && already != StorageMode.PostgreSql))
            {
                throw new InvalidOperationException(
                    $"Loader:Storage is {preference}, but this database was migrated as {Describe(already)}; "
                    + "use a fresh database or set Loader:Storage to Auto.");
            }

            return already;
        }

        return preference switch
        {
            StoragePreference.PostgreSql => StorageMode.PostgreSql,
            StoragePreference.TimescaleDb when !timescaleAvailable => throw new InvalidOperationException(
                "Loader:Storage is TimescaleDb, but the server does not offer the timescaledb extension "
                + "(pg_available_extensions); install it or set Loader:Storage to Auto."),
            StoragePreference.TimescaleDb => StorageMode.TimescaleDb,
            _ => timescaleAvailable ? StorageMode.TimescaleDb : StorageMode.PostgreSql,
        };
    }

    /// <summary>How the mode is shown to people (<c>db status</c>, logs).</summary>
    public static string Describe(StorageMode mode) => mode == StorageMode.TimescaleDb ? "TimescaleDB" : "plain PostgreSQL";
}
