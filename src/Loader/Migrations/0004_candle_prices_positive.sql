-- A price is positive. The loader maps JSON and checks text before PostgreSQL sees a row, but the database has the
-- last word on its own rules: a candle this CHECK refuses is isolated from its batch and dead-lettered on dlq.loader
-- with the SQLSTATE and the constraint's name, while the rest of the batch lands.
-- NOT VALID: rows stored before this migration are not re-checked (no full scan, no failed upgrade); new ones are.
-- TimescaleDB before 2.19 refuses ADD CONSTRAINT on a hypertable with compression enabled (feature_not_supported);
-- there the rule is skipped with a warning rather than blocking the upgrade.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conname = 'candles_1m_prices_positive' AND conrelid = 'market.candles_1m'::regclass) THEN
        ALTER TABLE market.candles_1m ADD CONSTRAINT candles_1m_prices_positive
            CHECK (open > 0 AND high > 0 AND low > 0 AND close > 0) NOT VALID;
    END IF;
EXCEPTION WHEN feature_not_supported THEN
    RAISE WARNING 'market.candles_1m_prices_positive not added (%): candle prices are checked by the loader only', SQLERRM;
END
$$;
