-- delete_node.sql — remove a node from the registry (it stopped cleanly).
-- params: $1 id text
-- returns: one row when the node was registered
DELETE FROM nodes WHERE id = $1 RETURNING id;
