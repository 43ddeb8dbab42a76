-- lock_followers.sql — the active schedules that follow any of the given schedules (`after`), so
-- the fire transaction enqueues their occurrences with the leaders'. FOR SHARE: an edit or a pause
-- of a follower (which withdraws its pending occurrences under FOR UPDATE) waits for this
-- transaction, or this one reads the edited definition — never an old one after the withdrawal.
-- params: $1 leader schedule ids text[]
-- returns: schedule rows, by id
SELECT * FROM schedules
WHERE timing->>'kind' = 'after' AND timing->>'schedule' = ANY($1::text[]) AND NOT paused
ORDER BY id
FOR SHARE;
