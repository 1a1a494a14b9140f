-- The tables every mode shares. Keys lead with time, (bucket, symbol, source): inserts then append to the
-- right edge of the index instead of splitting pages all over it (ARCHITECTURE.md, "Database").
CREATE SCHEMA IF NOT EXISTS market;

CREATE TABLE IF NOT EXISTS market.trades (
    event_time   timestamptz NOT NULL,
    source       text        NOT NULL,
    symbol       text        NOT NULL,
    trade_id     text        NOT NULL,
    kind         text        NOT NULL,
    price        numeric     NOT NULL,
    size         numeric     NOT NULL,
    side         text        NOT NULL,
    receive_time timestamptz NOT NULL,
    PRIMARY KEY (event_time, source, symbol, trade_id)
);

CREATE TABLE IF NOT EXISTS market.candles_1m (
    bucket      timestamptz NOT NULL,
    symbol      text        NOT NULL,
    source      text        NOT NULL,
    window_end  timestamptz NOT NULL,
    kind        text        NOT NULL,
    open        numeric     NOT NULL,
    high        numeric     NOT NULL,
    low         numeric     NOT NULL,
    close       numeric     NOT NULL,
    vwap        numeric     NOT NULL,
    volume      numeric     NOT NULL,
    tick_count  bigint      NOT NULL,
    coverage    text        NOT NULL,
    final       boolean     NOT NULL,
    PRIMARY KEY (bucket, symbol, source)
);

CREATE TABLE IF NOT EXISTS market.consensus_1m (
    bucket            timestamptz NOT NULL,
    symbol            text        NOT NULL,
    window_end        timestamptz NOT NULL,
    api_mean          numeric,
    api_sources       text[]      NOT NULL,
    median            numeric,
    sources_used      text[]      NOT NULL,
    sources_excluded  jsonb       NOT NULL,
    stablecoin_policy text        NOT NULL,
    final             boolean     NOT NULL,
    PRIMARY KEY (bucket, symbol)
);

CREATE TABLE IF NOT EXISTS market.oracle_deviation (
    bucket                timestamptz      NOT NULL,
    symbol                text             NOT NULL,
    oracle_source         text             NOT NULL,
    window_end            timestamptz      NOT NULL,
    oracle_round_id       numeric(39, 0)   NOT NULL,
    oracle_price          numeric          NOT NULL,
    oracle_updated_at     timestamptz      NOT NULL,
    staleness_seconds     double precision NOT NULL,
    consensus_price       numeric          NOT NULL,
    deviation_percent     numeric          NOT NULL,
    api_mean_price        numeric,
    api_deviation_percent numeric,
    PRIMARY KEY (bucket, symbol, oracle_source)
);

CREATE TABLE IF NOT EXISTS market.crossover_signals (
    bucket        timestamptz NOT NULL,
    symbol        text        NOT NULL,
    average       text        NOT NULL,
    short_length  integer     NOT NULL,
    long_length   integer     NOT NULL,
    window_end    timestamptz NOT NULL,
    direction     text        NOT NULL,
    short_average numeric     NOT NULL,
    long_average  numeric     NOT NULL,
    close         numeric     NOT NULL,
    PRIMARY KEY (bucket, symbol, average, short_length, long_length)
);

-- The loader's position per consumer group and partition, written in the same transaction as the rows
-- it covers: this table, not Kafka's committed offsets, decides where a loader resumes.
CREATE TABLE IF NOT EXISTS market.loader_offsets (
    consumer_group text        NOT NULL,
    topic          text        NOT NULL,
    partition      integer     NOT NULL,
    next_offset    bigint      NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);

-- The Chainlink-accuracy seed's users run `SELECT * FROM contract_price` and `SELECT * FROM api_price`
-- without a schema, so these two live in public.
-- contract_price: the oracle's answer in force at each window end, one row per symbol and minute.
CREATE OR REPLACE VIEW public.contract_price AS
SELECT d.window_end        AS time,
       d.symbol            AS pair,
       d.oracle_price      AS price,
       d.oracle_round_id   AS round_id,
       d.oracle_updated_at AS updated_at,
       d.oracle_source     AS contract
FROM market.oracle_deviation d;

-- api_price: each REST price API's close per symbol and minute (the inputs of the seed's "average of
-- the APIs" metric; the average itself is consensus_1m.api_mean).
CREATE OR REPLACE VIEW public.api_price AS
SELECT c.window_end AS time,
       c.symbol     AS pair,
       c.source     AS api,
       c.close      AS price
FROM market.candles_1m c
WHERE c.kind = 'quote';
