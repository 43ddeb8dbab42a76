-- release_once.sql — give up a key after the function failed, so the next call runs it again.
-- params: $1 key text, $2 owner text
-- returns: nothing
DELETE FROM once_results WHERE key = $1 AND owner = $2 AND completed_at IS NULL;
