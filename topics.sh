#!/usr/bin/env bash
# Creates the CryptoStreams topics on an Apache Kafka cluster with kafka-topics.sh (the compose stack's
# topics-init job runs it). GENERATED from src/Schema/Topics/TopicCatalog.cs; do not edit, regenerate with
#   cryptostreams topics script > topics.sh
# Idempotent: existing topics are left as they are.
#
#   BOOTSTRAP_SERVERS   default kafka:9092 (the compose service)
#   REPLICATION_FACTOR  default 1 (a single KRaft node)
#   PARTITIONS          default 6; every keyed topic gets the same count so they stay co-partitioned
#   KAFKA_TOPICS        default /opt/kafka/bin/kafka-topics.sh (the apache/kafka image)
set -euo pipefail

bootstrap="${BOOTSTRAP_SERVERS:-kafka:9092}"
replication="${REPLICATION_FACTOR:-1}"
partitions="${PARTITIONS:-6}"
kafka_topics="${KAFKA_TOPICS:-/opt/kafka/bin/kafka-topics.sh}"

create() {
  local topic="$1" cleanup="$2" retention_ms="$3"
  "$kafka_topics" --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$topic" \
    --partitions "$partitions" --replication-factor "$replication" \
    --config "cleanup.policy=$cleanup" --config "retention.ms=$retention_ms"
}

create raw.binance delete 604800000  # binance ticks (key = asset, ts = event time)
create raw.kucoin delete 604800000  # kucoin ticks (key = asset, ts = event time)
create raw.okx delete 604800000  # okx ticks (key = asset, ts = event time)
create raw.coinbase delete 604800000  # coinbase ticks (key = asset, ts = event time)
create raw.coingecko delete 604800000  # coingecko ticks (key = asset, ts = event time)
create raw.coinpaprika delete 604800000  # coinpaprika ticks (key = asset, ts = event time)
create raw.coincap delete 604800000  # coincap ticks (key = asset, ts = event time)
create raw.chainlink delete 2592000000  # Chainlink oracle rounds
create raw.gaps delete 2592000000  # time ranges a source missed, and how much was backfilled
create raw.candles delete 2592000000  # venues' own 1-minute candles from the hourly REST backfill
create prices.1m delete 2592000000  # per-source OHLC/VWAP candles, provisional and final
create consensus.1m delete 2592000000  # market consensus per asset and window
create deviation.1m delete 2592000000  # oracle deviation from consensus per window
create signals.crossover delete 7776000000  # moving-average crossover signals
create dlq.extractors delete 2592000000  # rejected input with the reason
create dlq.topology delete 2592000000  # rejected input with the reason
create dlq.loader delete 2592000000  # rejected input with the reason
create dlq.archive delete 2592000000  # rejected input with the reason

"$kafka_topics" --bootstrap-server "$bootstrap" --list
