-- Campaigns: automations that act on members when something happens (an event) or on a schedule (over a segment or a
-- condition), with guard rails (window, budget, frequency cap) and a random holdout to measure uplift. Actions go
-- through other capabilities' services (coupon issuance, the points ledger, tags, messaging); this schema records
-- only what campaigns decide. Every key leads with tenant_id (see docs/architecture.md).

-- trigger, actions, budget and frequency_cap are JSON parsed by src/campaigns/schemas.ts at the boundary.
-- Spent counters live on the row so a budget is checked and taken in one conditional update.
CREATE TABLE campaigns (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  campaign_id text NOT NULL,
  name text NOT NULL,
  description text,
  playbook text,
  status text NOT NULL CHECK (status IN ('draft', 'scheduled', 'active', 'paused', 'ended')),
  ended_reason text,
  trigger jsonb NOT NULL,
  condition jsonb,
  actions jsonb NOT NULL,
  once_per_member boolean NOT NULL DEFAULT true,
  holdout_percent integer NOT NULL CHECK (holdout_percent BETWEEN 0 AND 90),
  attribution_days integer NOT NULL CHECK (attribution_days BETWEEN 1 AND 365),
  starts_at timestamptz,
  ends_at timestamptz,
  budget jsonb NOT NULL,
  frequency_cap jsonb,
  spent_coupons integer NOT NULL DEFAULT 0,
  spent_points bigint NOT NULL DEFAULT 0,
  spent_messages integer NOT NULL DEFAULT 0,
  -- schedules: the last minute (UTC) the scheduler has looked at, so a due minute runs once
  scheduled_through timestamptz,
  launched_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, campaign_id)
);
CREATE INDEX campaigns_live ON campaigns (tenant_id) WHERE status IN ('scheduled', 'active');

-- One row per member reached by a campaign occurrence (an event, a scheduled run, or once ever): which group the
-- member fell in, and what was done. The unique key makes every action idempotent under the relay's at-least-once
-- delivery and a run resumed after a crash. Holdout members are recorded too: they are measured, not acted on.
CREATE TABLE campaign_assignments (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  campaign_id text NOT NULL,
  member_id text NOT NULL,
  occurrence text NOT NULL,
  arm text NOT NULL CHECK (arm IN ('treatment', 'holdout')),
  outcome text NOT NULL CHECK (outcome IN ('acted', 'held_out', 'capped')),
  coupons integer NOT NULL DEFAULT 0,
  points integer NOT NULL DEFAULT 0,
  messages integer NOT NULL DEFAULT 0,
  -- ids of coupons issued and messages asked for, to follow redemption and delivery through their owners
  coupon_ids jsonb NOT NULL DEFAULT '[]',
  message_ids jsonb NOT NULL DEFAULT '[]',
  assigned_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, campaign_id, member_id, occurrence)
);
-- frequency caps count a member's actions across the brand's campaigns within a period
CREATE INDEX campaign_assignments_member ON campaign_assignments (tenant_id, member_id, assigned_at)
  WHERE outcome = 'acted';

-- A scheduled (or run-now) pass over an audience, worked page by page in member-id order so a large audience is
-- never one long transaction, and a crash resumes after the last page done.
CREATE TABLE campaign_runs (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  campaign_id text NOT NULL,
  run_key text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'done', 'stopped')),
  after_member_id text,
  considered integer NOT NULL DEFAULT 0,
  assigned integer NOT NULL DEFAULT 0,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  PRIMARY KEY (tenant_id, campaign_id, run_key)
);
CREATE INDEX campaign_runs_running ON campaign_runs (started_at) WHERE status = 'running';
