using System.Buffers.Binary;
using System.Net.Sockets;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Tests.Core;

/// <summary>Mutated and garbage frames must only ever cost the sender its connection.</summary>
public sealed class GarbageInputTests
{
    private static byte[] Frame(short apiKey, short version, Action<KafkaWriter> body)
    {
        using var w = new KafkaWriter();
        var size = w.ReserveInt32();
        w.WriteInt16(apiKey);
        w.WriteInt16(version);
        w.WriteInt32(1);
        w.WriteNullableString("fuzz", false);
        body(w);
        w.PatchInt32(size, w.Length - 4);
        return w.WrittenSpan.ToArray();
    }

    [Fact]
    public async Task Thousands_of_mutated_frames_leave_the_broker_and_its_data_intact()
    {
        await using var broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0 });
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "safe", NumPartitions = 1, ReplicationFactor = 1 }]);
        }

        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            for (var i = 0; i < 20; i++)
            {
                await producer.ProduceAsync("safe", new Message<Null, string> { Value = "r" + i });
            }
        }

        var seeds = new[]
        {
            Frame(18, 0, _ => { }),
            Frame(3, 1, w => w.WriteArrayLength(1, false) ),
            Frame(0, 7, w =>
            {
                w.WriteNullableString(null, false);
                w.WriteInt16(-1);
                w.WriteInt32(1000);
                w.WriteArrayLength(1, false);
                w.WriteString("safe", false);
                w.WriteArrayLength(1, false);
                w.WriteInt32(0);
                var batch = LogRecoveryTests.Batch(3);
                w.WriteBytes(batch, false);
            }),
            Frame(1, 11, w =>
            {
                w.WriteInt32(-1);
                w.WriteInt32(10);
                w.WriteInt32(1);
                w.WriteInt32(1000);
                w.WriteInt8(0);
                w.WriteInt32(0);
                w.WriteInt32(-1);
                w.WriteArrayLength(1, false);
                w.WriteString("safe", false);
                w.WriteArrayLength(1, false);
                w.WriteInt32(0);
                w.WriteInt32(-1);
                w.WriteInt64(0);
                w.WriteInt64(-1);
                w.WriteInt32(1000);
                w.WriteArrayLength(0, false);
                w.WriteString(string.Empty, false);
            }),
        };

        var random = new Random(20_261_125);
        for (var round = 0; round < 2000; round++)
        {
            var frame = (byte[])seeds[random.Next(seeds.Length)].Clone();
            var mutations = random.Next(1, 6);
            for (var m = 0; m < mutations; m++)
            {
                frame[4 + random.Next(frame.Length - 4)] = (byte)random.Next(256);
            }

            if (round % 10 == 0)
            {
                random.NextBytes(frame.AsSpan(4));
            }

            if (round % 97 == 0)
            {
                BinaryPrimitives.WriteInt32BigEndian(frame, random.Next());
            }

            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync("127.0.0.1", broker.Port);
            await socket.SendAsync(frame);
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                while (await socket.ReceiveAsync(buffer, timeout.Token) > 0)
                {
                }
            }
            catch (SocketException)
            {
                // Closed on us: fine, that is one of the allowed outcomes.
            }
        }

        using var consumer = new ConsumerBuilder<Null, string>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "after-fuzz" }).Build();
        consumer.Assign(new TopicPartitionOffset("safe", 0, 0));
        var values = new List<string>();
        while (values.Count < 20)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(10));
            Assert.NotNull(result);
            values.Add(result.Message.Value);
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => "r" + i), values);
    }
}
