using ParquetSharp;

namespace CryptoStreams.Archive.Tests.Support;

/// <summary>
/// Reads archive files with ParquetSharp (Apache Arrow's C++ Parquet library), not with Parquet.Net that wrote them:
/// what another engine would see. Each row is column name → value (string, int, long, bool, or UTC DateTime).
/// </summary>
public static class ParquetSharpFiles
{
    public static List<Dictionary<string, object?>> Read(string path)
    {
        using var reader = new ParquetFileReader(path);
        var schema = reader.FileMetaData.Schema;
        var rows = new List<Dictionary<string, object?>>();
        for (var g = 0; g < reader.FileMetaData.NumRowGroups; g++)
        {
            using var group = reader.RowGroup(g);
            var count = checked((int)group.MetaData.NumRows);
            var columns = new List<(string Name, object?[] Values)>();
            for (var c = 0; c < schema.NumColumns; c++)
            {
                var descriptor = schema.Column(c);
                using var column = group.Column(c);
                object?[] values = descriptor.PhysicalType switch
                {
                    PhysicalType.ByteArray => column.LogicalReader<string?>().ReadAll(count),
                    PhysicalType.Int32 => [.. column.LogicalReader<int>().ReadAll(count).Cast<object?>()],
                    PhysicalType.Boolean => [.. column.LogicalReader<bool>().ReadAll(count).Cast<object?>()],
                    PhysicalType.Int64 when descriptor.LogicalType is TimestampLogicalType { TimeUnit: TimeUnit.Micros, IsAdjustedToUtc: true } =>
                        [.. column.LogicalReader<DateTime>().ReadAll(count).Select(d => (object?)DateTime.SpecifyKind(d, DateTimeKind.Utc))],
                    PhysicalType.Int64 => [.. column.LogicalReader<long>().ReadAll(count).Cast<object?>()],
                    var other => throw new InvalidDataException($"{path}: column {descriptor.Name} has unexpected physical type {other}"),
                };
                columns.Add((descriptor.Name, values));
            }

            for (var i = 0; i < count; i++)
            {
                rows.Add(columns.ToDictionary(c => c.Name, c => c.Values[i], StringComparer.Ordinal));
            }
        }

        return rows;
    }
}
