-- Venues' own 1-minute candles, fetched every hour by the extractors' candle backfill (raw.candles). Kept apart
-- from market.candles_1m, which holds the candles the topology computes from ticks: both are keyed by
-- (bucket, symbol, source), and a venue's official candle must not overwrite ours (comparing them is the point).
CREATE TABLE IF NOT EXISTS market.venue_candles_1m (
    LIKE market.candles_1m INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (bucket, symbol, source)
);
CREATE INDEX IF NOT EXISTS venue_candles_1m_bucket_brin ON market.venue_candles_1m USING brin (bucket);
