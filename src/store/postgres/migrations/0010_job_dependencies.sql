-- 0010_job_dependencies.sql — dependencies between jobs: a job enqueued with `dependsOn` (or as
-- part of a flow) is stored `waiting` until every job it depends on has finished, then becomes
-- queued, or ends per the edge's `on_failure` when a dependency ended other than succeeded.

-- One row per edge: `job_id` waits for `depends_on`. `name` is the flow's name for the
-- dependency (how the dependent finds its result in ctx.dependencies); null outside a flow.
-- Deleting either job (retention) deletes the edge; retention keeps a finished job while a
-- dependent of it has not finished.
CREATE TABLE job_dependencies (
  job_id bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  depends_on bigint NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  on_failure text NOT NULL DEFAULT 'fail' CHECK (on_failure IN ('fail', 'skip', 'continue')),
  name text,
  PRIMARY KEY (job_id, depends_on),
  CHECK (job_id <> depends_on)
);
-- The dependents of a job that just finished.
CREATE INDEX job_dependencies_dependents ON job_dependencies (depends_on);

-- Set when a dependent is enqueued: a finishing write returns it, so finishing a job nothing
-- depends on (nearly all of them) costs no dependents lookup at all.
ALTER TABLE jobs ADD COLUMN has_dependents boolean NOT NULL DEFAULT false;

-- The maintenance sweep's view of waiting jobs: grows with the jobs waiting now, not with history.
-- Waiting jobs are not `queued`, so the claim's partial indexes never see them.
CREATE INDEX jobs_waiting ON jobs (id) WHERE state = 'waiting';
