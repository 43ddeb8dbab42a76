-- lock_circuit_breaker.sql — before an outcome is counted against a circuit breaker, take the lock
-- the limited claim holds on it ('b:<breaker>', see lock_claim_keys.sql), waiting for a claim in
-- flight to commit. A claim that saw the breaker closed is then committed (its job visibly
-- running) before the breaker opens, and no claim decides on a breaker state an outcome is
-- about to change. Released at commit.
-- params: $1 breaker text
-- returns: one row
SELECT pg_advisory_xact_lock(1952543595, hashtext('b:' || $1)) IS NULL AS locked; -- 1952543595: 'task' in ASCII
