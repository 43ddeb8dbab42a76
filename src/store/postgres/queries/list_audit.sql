-- list_audit.sql — the audit log, newest first, a page at a time.
-- params: $1 target_type text, $2 target_id text, $3 actor text, $4 before id bigint (cursor), $5 limit int;
--         null: any
-- returns: audit rows
SELECT * FROM audit_log
WHERE ($1::text IS NULL OR target_type = $1) AND ($2::text IS NULL OR target_id = $2)
  AND ($3::text IS NULL OR actor = $3) AND ($4::bigint IS NULL OR id < $4)
ORDER BY id DESC
LIMIT $5;
