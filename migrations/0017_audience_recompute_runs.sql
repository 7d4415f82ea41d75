-- A recompute started in the background (POST /v1/audience/recompute-runs): the console follows its phases.
CREATE TABLE audience_recompute_runs (
  tenant_id text NOT NULL,
  run_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
  facts text NOT NULL CHECK (facts IN ('full', 'changed')),
  phase text,
  phases_done integer NOT NULL DEFAULT 0,
  -- Each phase's share of the time, from the brand's last run that finished: the progress a console shows.
  weights jsonb NOT NULL,
  report jsonb,
  error text,
  requested_by text NOT NULL,
  started_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  finished_at timestamptz,
  PRIMARY KEY (tenant_id, run_id)
);
CREATE INDEX audience_recompute_runs_latest ON audience_recompute_runs (tenant_id, started_at DESC);
