-- Plain PostgreSQL (no timescaledb extension): BRIN indexes on time keep range scans cheap on
-- append-mostly tables at a tiny fraction of a B-tree's size.
CREATE INDEX IF NOT EXISTS trades_event_time_brin ON market.trades USING brin (event_time);
CREATE INDEX IF NOT EXISTS candles_1m_bucket_brin ON market.candles_1m USING brin (bucket);
CREATE INDEX IF NOT EXISTS consensus_1m_bucket_brin ON market.consensus_1m USING brin (bucket);
CREATE INDEX IF NOT EXISTS oracle_deviation_bucket_brin ON market.oracle_deviation USING brin (bucket);
CREATE INDEX IF NOT EXISTS crossover_signals_bucket_brin ON market.crossover_signals USING brin (bucket);

-- The same hourly and daily candles TimescaleDB keeps as continuous aggregates, computed on read.
CREATE OR REPLACE VIEW market.candles_1h AS
SELECT date_trunc('hour', bucket)                       AS bucket,
       symbol,
       source,
       (array_agg(open ORDER BY bucket))[1]             AS open,
       max(high)                                        AS high,
       min(low)                                         AS low,
       (array_agg(close ORDER BY bucket DESC))[1]       AS close,
       sum(vwap * volume) / NULLIF(sum(volume), 0)      AS vwap,
       sum(volume)                                      AS volume,
       sum(tick_count)                                  AS tick_count
FROM market.candles_1m
GROUP BY 1, symbol, source;

CREATE OR REPLACE VIEW market.candles_1d AS
SELECT date_trunc('day', bucket)                        AS bucket,
       symbol,
       source,
       (array_agg(open ORDER BY bucket))[1]             AS open,
       max(high)                                        AS high,
       min(low)                                         AS low,
       (array_agg(close ORDER BY bucket DESC))[1]       AS close,
       sum(vwap * volume) / NULLIF(sum(volume), 0)      AS vwap,
       sum(volume)                                      AS volume,
       sum(tick_count)                                  AS tick_count
FROM market.candles_1m
GROUP BY 1, symbol, source;
