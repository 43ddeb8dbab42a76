-- lock_claim_keys.sql — the limited claim, statement 2 of 3: take this transaction's locks on the
-- concurrency keys, rate-limit buckets and circuit breakers of its candidates, waiting for a claim of another node
-- that holds one to commit. Taken in lock-id order, so two claims never deadlock; released at commit.
-- params: $1 keys text[] (each 'c:<concurrency key>', 'r:<bucket>' or 'b:<breaker>')
-- returns: one row, locked bigint
SELECT count(pg_advisory_xact_lock(1952543595, lock_id)) AS locked -- 1952543595: 'task' in ASCII
FROM (SELECT DISTINCT hashtext(k) AS lock_id FROM unnest($1::text[]) AS k ORDER BY lock_id) keys;
