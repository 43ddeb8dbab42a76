-- set_search_path.sql — set search_path for the rest of the current transaction (restores the
-- application's own after enter_application_transaction.sql).
-- params: $1 search_path text
-- returns: one row, search_path text
SELECT set_config('search_path', $1, true) AS search_path;
