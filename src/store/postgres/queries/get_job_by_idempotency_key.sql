-- get_job_by_idempotency_key.sql — the job an idempotency key in force points to.
-- params: $1 key text, $2 now timestamptz
-- returns: job_id, and the job as jsonb (null if its row was pruned); nothing if no key in force
SELECT k.job_id, to_jsonb(j) AS job
FROM idempotency_keys k LEFT JOIN jobs j ON j.id = k.job_id
WHERE k.key = $1 AND k.expires_at > $2;
