-- count_circuit_breakers.sql — how many circuit breakers each task has in each state (metrics).
-- params: none
-- returns: task text, state text, breakers bigint
SELECT task, state, count(*) AS breakers FROM circuit_breakers GROUP BY task, state;
