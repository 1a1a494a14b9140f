-- TimescaleDB: the same tables become hypertables chunked by time, with compression for old chunks
-- and retention for raw trades. Exercised by docker-compose (timescale/timescaledb image).
CREATE EXTENSION IF NOT EXISTS timescaledb;

SELECT create_hypertable('market.trades', 'event_time', chunk_time_interval => INTERVAL '1 day', if_not_exists => TRUE, migrate_data => TRUE);
SELECT create_hypertable('market.candles_1m', 'bucket', chunk_time_interval => INTERVAL '7 days', if_not_exists => TRUE, migrate_data => TRUE);
SELECT create_hypertable('market.consensus_1m', 'bucket', chunk_time_interval => INTERVAL '7 days', if_not_exists => TRUE, migrate_data => TRUE);
SELECT create_hypertable('market.oracle_deviation', 'bucket', chunk_time_interval => INTERVAL '7 days', if_not_exists => TRUE, migrate_data => TRUE);
SELECT create_hypertable('market.crossover_signals', 'bucket', chunk_time_interval => INTERVAL '30 days', if_not_exists => TRUE, migrate_data => TRUE);

ALTER TABLE market.trades SET (timescaledb.compress, timescaledb.compress_segmentby = 'source, symbol', timescaledb.compress_orderby = 'event_time DESC');
ALTER TABLE market.candles_1m SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol, source', timescaledb.compress_orderby = 'bucket DESC');
ALTER TABLE market.consensus_1m SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol', timescaledb.compress_orderby = 'bucket DESC');
ALTER TABLE market.oracle_deviation SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol, oracle_source', timescaledb.compress_orderby = 'bucket DESC');

-- Windows are final minutes after they close; a week leaves ample room for late reprocessing.
SELECT add_compression_policy('market.trades', INTERVAL '2 days', if_not_exists => TRUE);
SELECT add_compression_policy('market.candles_1m', INTERVAL '7 days', if_not_exists => TRUE);
SELECT add_compression_policy('market.consensus_1m', INTERVAL '7 days', if_not_exists => TRUE);
SELECT add_compression_policy('market.oracle_deviation', INTERVAL '7 days', if_not_exists => TRUE);

-- Raw trades are the bulk of the data and can be re-derived from the venues' history; candles are kept.
SELECT add_retention_policy('market.trades', INTERVAL '30 days', if_not_exists => TRUE);
SELECT add_retention_policy('market.candles_1m', INTERVAL '2 years', if_not_exists => TRUE);
