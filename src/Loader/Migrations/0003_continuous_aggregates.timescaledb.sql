-- no-transaction: TimescaleDB refuses to create a continuous aggregate inside a transaction block.
CREATE MATERIALIZED VIEW IF NOT EXISTS market.candles_1h
WITH (timescaledb.continuous) AS
SELECT time_bucket(INTERVAL '1 hour', bucket)          AS bucket,
       symbol,
       source,
       first(open, bucket)                             AS open,
       max(high)                                       AS high,
       min(low)                                        AS low,
       last(close, bucket)                             AS close,
       sum(vwap * volume) / NULLIF(sum(volume), 0)     AS vwap,
       sum(volume)                                     AS volume,
       sum(tick_count)                                 AS tick_count
FROM market.candles_1m
GROUP BY 1, symbol, source
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS market.candles_1d
WITH (timescaledb.continuous) AS
SELECT time_bucket(INTERVAL '1 day', bucket)           AS bucket,
       symbol,
       source,
       first(open, bucket)                             AS open,
       max(high)                                       AS high,
       min(low)                                        AS low,
       last(close, bucket)                             AS close,
       sum(vwap * volume) / NULLIF(sum(volume), 0)     AS vwap,
       sum(volume)                                     AS volume,
       sum(tick_count)                                 AS tick_count
FROM market.candles_1m
GROUP BY 1, symbol, source
WITH NO DATA;

SELECT add_continuous_aggregate_policy('market.candles_1h', start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute', if_not_exists => TRUE);

SELECT add_continuous_aggregate_policy('market.candles_1d', start_offset => INTERVAL '30 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour', if_not_exists => TRUE);
