-- lock_api_tokens.sql — serializes the creation of the first token across nodes (transaction-scoped).
-- params: none
-- returns: whether any token exists
SELECT pg_advisory_xact_lock(hashtext('taskflow.api_tokens.first')) IS NOT NULL AS locked,
       EXISTS (SELECT 1 FROM api_tokens) AS any_token;
