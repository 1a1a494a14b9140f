-- Venues' own 1-minute candles, fetched every hour by the extractors' candle backfill (raw.candles). Kept apart
-- from market.candles_1m, which holds the candles the topology computes from ticks: both are keyed by
-- (bucket, symbol, source), and a venue's official candle must not overwrite ours (comparing them is the point).
CREATE TABLE IF NOT EXISTS market.venue_candles_1m (
    LIKE market.candles_1m INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (bucket, symbol, source)
);
SELECT create_hypertable('market.venue_candles_1m', 'bucket', chunk_time_interval => INTERVAL '7 days', if_not_exists => TRUE, migrate_data => TRUE);
SELECT add_retention_policy('market.venue_candles_1m', INTERVAL '2 years', if_not_exists => TRUE);
