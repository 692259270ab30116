-- Failed authentications, counted for every server over the database together, so that guesses
-- spread over several servers meet one limit. `key` is a keyed hash (of a client ID or username
-- with the source address, of the identity alone, or of the address alone), never the identity
-- itself. A pair's row names its identity's and its source's rows, so that one query finds every
-- refused pair. UNLOGGED: the counts matter for a minute, so they are not worth a write-ahead log
-- record per failure; a crash or a failover starts them again.
CREATE UNLOGGED TABLE failure_windows (
    key bytea PRIMARY KEY,
    ends_at bigint NOT NULL,
    failures integer NOT NULL,
    identity_key bytea,
    source_key bytea
);
CREATE INDEX failure_windows_by_end ON failure_windows (ends_at);
