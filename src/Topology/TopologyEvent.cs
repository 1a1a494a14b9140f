using CryptoStreams.Schema;

namespace CryptoStreams.Topology;

/// <summary>
/// What flows between the topology's processors inside its single sub-topology (never serialized): accepted
/// input on the way in, results and rejections on the way out, routed to their topics at the end.
/// </summary>
internal abstract record TopologyEvent;

/// <summary>The bytes a record arrived with and where from, kept so a later rejection (late) can quote them.</summary>
internal sealed record RawInput(byte[] Payload, string Topic, int? Partition, long? Offset);

internal sealed record TickAccepted(Tick Tick, RawInput Raw) : TopologyEvent;

internal sealed record OracleRoundAccepted(OracleRound Round) : TopologyEvent;

internal sealed record GapAccepted(Gap Gap, RawInput Raw) : TopologyEvent;

internal sealed record Rejected(DeadLetter DeadLetter) : TopologyEvent;

internal sealed record CandleEmitted(Candle Candle) : TopologyEvent;

internal sealed record ConsensusEmitted(Consensus Consensus) : TopologyEvent;

internal sealed record DeviationEmitted(Deviation Deviation) : TopologyEvent;

internal sealed record CrossoverEmitted(CrossoverSignal Signal) : TopologyEvent;
