-- enter_application_transaction.sql — inside the application's transaction (under a savepoint):
-- point search_path at TaskFlow's schema for the statements that follow, until the transaction
-- ends or set_search_path.sql restores it.
-- params: $1 search_path text (TaskFlow's schema, quoted)
-- returns: one row, search_path text (the value before, to restore)
WITH before AS MATERIALIZED (SELECT current_setting('search_path') AS search_path)
SELECT before.search_path, set_config('search_path', $1, true) AS now_set FROM before;
