-- 0015_schedule_followers.sql — a schedule may follow another (`after`): each occurrence the
-- leader fires brings one of the follower, in the same transaction. The fire transaction finds a
-- leader's followers through this index, whatever the number of schedules.
CREATE INDEX schedules_by_leader ON schedules ((timing->>'schedule')) WHERE timing->>'kind' = 'after';
