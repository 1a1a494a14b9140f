using Confluent.Kafka;
using Streamiz.Kafka.Net.SerDes;

namespace CryptoStreams.Topology;

/// <summary>
/// A state-store value written in a compact binary form. Every tick reads and writes its asset's window
/// state, so the store format is a hot path; JSON would cost more than the framework itself.
/// </summary>
internal interface IBinaryState<TSelf>
    where TSelf : IBinaryState<TSelf>
{
    /// <summary>Format version written first, so a changelog written by an older build is refused clearly.</summary>
    static abstract byte FormatVersion { get; }

    void Write(BinaryWriter writer);

    static abstract TSelf Read(BinaryReader reader);
}

/// <summary>Streamiz serdes for a state-store value (<see cref="IBinaryState{TSelf}"/>).</summary>
internal sealed class BinaryStateSerDes<T> : AbstractSerDes<T>
    where T : class, IBinaryState<T>
{
    public override byte[] Serialize(T data, SerializationContext context)
    {
        if (data is null)
        {
            return null!;
        }

        using var buffer = new MemoryStream(256);
        using (var writer = new BinaryWriter(buffer))
        {
            writer.Write(T.FormatVersion);
            data.Write(writer);
        }

        return buffer.ToArray();
    }

    public override T Deserialize(byte[] data, SerializationContext context)
    {
        if (data is null)
        {
            return null!;
        }

        using var reader = new BinaryReader(new MemoryStream(data, writable: false));
        var version = reader.ReadByte();
        if (version != T.FormatVersion)
        {
            throw new InvalidDataException(
                $"{typeof(T).Name} state was written in format {version}, this build reads {T.FormatVersion}; reset the application's state.");
        }

        return T.Read(reader);
    }
}

/// <summary>Field encodings shared by the state formats.</summary>
internal static class BinaryState
{
    public static void Write(BinaryWriter writer, UInt128 value)
    {
        writer.Write((ulong)(value >> 64));
        writer.Write((ulong)value);
    }

    public static UInt128 ReadUInt128(BinaryReader reader)
    {
        var upper = reader.ReadUInt64();
        var lower = reader.ReadUInt64();
        return new UInt128(upper, lower);
    }

    public static void Write(BinaryWriter writer, DateTimeOffset value) => writer.Write(value.UtcTicks);

    public static DateTimeOffset ReadTime(BinaryReader reader) => new(reader.ReadInt64(), TimeSpan.Zero);

    public static void Write(BinaryWriter writer, decimal? value)
    {
        writer.Write(value.HasValue);
        if (value.HasValue)
        {
            writer.Write(value.Value);
        }
    }

    public static decimal? ReadNullableDecimal(BinaryReader reader) => reader.ReadBoolean() ? reader.ReadDecimal() : null;
}
