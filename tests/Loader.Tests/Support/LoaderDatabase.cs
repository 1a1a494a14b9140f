using CryptoStreams.Loader.Schema;
using CryptoStreams.Loader.Writing;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using FsCheck.Fluent;
using Npgsql;

namespace CryptoStreams.Loader.Tests.Support;

/// <summary>A fresh database for one test class with the market schema migrated (plain PostgreSQL here).</summary>
public sealed class LoaderDatabase : IAsyncLifetime
{
    private readonly PostgresDatabaseFixture database = new();

    public NpgsqlDataSource DataSource => database.DataSource;

    public string ConnectionString => database.ConnectionString;

    public async Task InitializeAsync()
    {
        await database.InitializeAsync();
        await new MigrationRunner(database.DataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(StoragePreference.Auto, CancellationToken.None);
    }

    public Task DisposeAsync() => database.DisposeAsync();
}

/// <summary>
/// A loader reduced to its database contract: read the stored offsets, take the next records after them, write one
/// batch, repeat. A write that fails is a crash: the next round starts over from whatever the database says.
/// </summary>
public static class ResumingLoad
{
    /// <returns>How many batches failed and were retried from the stored offsets.</returns>
    public static async Task<int> RunAsync(BatchWriter writer, IReadOnlyList<ConsumedRecord> stream, int batchSize, Func<Exception, bool>? isCrash = null)
    {
        var topics = stream.Select(r => r.Topic).Distinct().ToList();
        var failures = 0;
        while (true)
        {
            var stored = await writer.ReadOffsetsAsync(topics, CancellationToken.None);
            var next = stream.Where(r => r.Offset >= stored.GetValueOrDefault(r.Source)).Take(batchSize).ToList();
            if (next.Count == 0)
            {
                return failures;
            }

            var batch = new LoadBatch(p => stored.TryGetValue(p, out var o) ? o : null, TimeProvider.System);
            foreach (var record in next)
            {
                batch.Add(record);
            }

            try
            {
                await writer.WriteAsync(batch, CancellationToken.None);
            }
            catch (Exception ex) when (isCrash?.Invoke(ex) == true)
            {
                failures++;
            }
        }
    }
}

/// <summary>A generated stream and the batch size to load it with.</summary>
public sealed record LoadRun(IReadOnlyList<ConsumedRecord> Records, int BatchSize, int Seed)
{
    public override string ToString() => $"{Records.Count} records, batches of {BatchSize}, seed {Seed}";
}

public static class LoadRunArbitrary
{
    public static FsCheck.Arbitrary<LoadRun> LoadRun() => Arb.From(
        from records in LoaderGenerators.Stream(1, 250)
        from batchSize in Gen.Choose(8, 150)
        from seed in Gen.Choose(0, int.MaxValue)
        select new LoadRun(records, batchSize, seed));
}
