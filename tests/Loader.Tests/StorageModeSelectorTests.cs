using CryptoStreams.Loader.Schema;

namespace CryptoStreams.Loader.Tests;

public class StorageModeSelectorTests
{
    [Theory]
    [InlineData(StoragePreference.Auto, true, StorageMode.TimescaleDb)]
    [InlineData(StoragePreference.Auto, false, StorageMode.PostgreSql)]
    [InlineData(StoragePreference.PostgreSql, true, StorageMode.PostgreSql)]
    [InlineData(StoragePreference.PostgreSql, false, StorageMode.PostgreSql)]
    [InlineData(StoragePreference.TimescaleDb, true, StorageMode.TimescaleDb)]
    public void A_fresh_database_gets_the_mode_the_server_and_preference_allow(StoragePreference preference, bool available, StorageMode expected) =>
        Assert.Equal(expected, StorageModeSelector.Choose(preference, available, recorded: null));

    [Fact]
    public void Insisting_on_TimescaleDB_without_the_extension_fails_with_a_clear_message()
    {
        var error = Assert.Throws<InvalidOperationException>(() => StorageModeSelector.Choose(StoragePreference.TimescaleDb, timescaleAvailable: false, recorded: null));
        Assert.Contains("timescaledb extension", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StorageMode.PostgreSql, true)]
    [InlineData(StorageMode.PostgreSql, false)]
    [InlineData(StorageMode.TimescaleDb, true)]
    [InlineData(StorageMode.TimescaleDb, false)]
    public void A_migrated_database_keeps_its_mode_even_when_the_extension_appears_or_goes(StorageMode recorded, bool available) =>
        Assert.Equal(recorded, StorageModeSelector.Choose(StoragePreference.Auto, available, recorded));

    [Fact]
    public void Forcing_the_other_mode_on_a_migrated_database_is_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => StorageModeSelector.Choose(StoragePreference.TimescaleDb, true, StorageMode.PostgreSql));
        Assert.Contains("migrated as plain PostgreSQL", error.Message, StringComparison.Ordinal);
    }
}
