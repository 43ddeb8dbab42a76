-- insert_audit.sql — one record of the audit log.
-- params: $1 now timestamptz, $2 actor text, $3 action text, $4 target_type text, $5 target_id text,
--         $6 before jsonb, $7 after jsonb
-- returns: nothing
INSERT INTO audit_log (at, actor, action, target_type, target_id, before, after)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb);
