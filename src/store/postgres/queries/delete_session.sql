-- delete_session.sql — sign out.
-- params: $1 id_sha256 text
-- returns: nothing
DELETE FROM sessions WHERE id_sha256 = $1;
