-- Engagement: daily check-in with streaks, tasks completed by reported events, referrals, product trials and the
-- member day. Rewards are points (through the points ledger) and coupons (through coupon issuance); this schema
-- records only what engagement itself decides. Every key leads with tenant_id (see docs/architecture.md).

-- One per brand: check-in rewards and make-up, referral rewards and limits, the member day. Parsed by
-- src/engagement/settings.ts; defaults apply until the brand changes them.
CREATE TABLE engagement_settings (
  tenant_id text PRIMARY KEY REFERENCES tenants (tenant_id),
  settings jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- ——— check-in ———

-- One row per member and brand-local day checked in. `streak` is the length of the run of consecutive days
-- ending on this day, kept current when a make-up fills a gap.
CREATE TABLE checkins (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  member_id text NOT NULL,
  day date NOT NULL,
  kind text NOT NULL CHECK (kind IN ('regular', 'makeup')),
  streak integer NOT NULL CHECK (streak >= 1),
  points integer NOT NULL DEFAULT 0 CHECK (points >= 0),
  -- what a make-up check-in cost
  cost_points integer NOT NULL DEFAULT 0 CHECK (cost_points >= 0),
  checked_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id, day)
);

-- Streak rewards paid, once per streak (named by its first day) and milestone.
CREATE TABLE checkin_streak_rewards (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  member_id text NOT NULL,
  streak_start date NOT NULL,
  milestone_days integer NOT NULL CHECK (milestone_days >= 1),
  points integer NOT NULL DEFAULT 0,
  coupon_issue_id text,
  rewarded_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id, streak_start, milestone_days)
);

-- ——— tasks ———

CREATE TABLE engagement_tasks (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  task_id text NOT NULL,
  code text NOT NULL,
  name text NOT NULL,
  event_type text NOT NULL,
  period text NOT NULL CHECK (period IN ('once', 'daily', 'weekly')),
  -- events needed for one completion (read 3 articles)
  events_required integer NOT NULL CHECK (events_required BETWEEN 1 AND 1000),
  -- completions rewarded per period (a daily task done up to 3 times a day); 'once' tasks allow 1
  max_completions_per_period integer NOT NULL CHECK (max_completions_per_period BETWEEN 1 AND 100),
  reward_points integer NOT NULL DEFAULT 0 CHECK (reward_points >= 0),
  reward_coupon text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, task_id),
  UNIQUE (tenant_id, code)
);
CREATE INDEX engagement_tasks_event ON engagement_tasks (tenant_id, event_type) WHERE active;

-- Events integrators report (an article read, a review posted). `ref` is their id: the same ref twice is one event.
CREATE TABLE engagement_events (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  ref text NOT NULL,
  member_id text NOT NULL,
  type text NOT NULL,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  -- the completions this event caused, as answered the first time
  outcome jsonb NOT NULL DEFAULT '[]'::jsonb,
  PRIMARY KEY (tenant_id, ref)
);
CREATE INDEX engagement_events_member ON engagement_events (tenant_id, member_id, occurred_at);

-- A member's progress on a task in one period (a brand-local day or ISO week; 'once' for one-off tasks).
CREATE TABLE task_progress (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  task_id text NOT NULL,
  member_id text NOT NULL,
  period_key text NOT NULL,
  events integer NOT NULL DEFAULT 0 CHECK (events >= 0),
  completions integer NOT NULL DEFAULT 0 CHECK (completions >= 0),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, task_id, member_id, period_key)
);

CREATE TABLE task_completions (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  completion_id text NOT NULL,
  task_id text NOT NULL,
  member_id text NOT NULL,
  period_key text NOT NULL,
  seq integer NOT NULL CHECK (seq >= 1),
  event_ref text NOT NULL,
  points integer NOT NULL DEFAULT 0,
  coupon_issue_id text,
  completed_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, completion_id),
  -- the cap as data: one row per allowed completion of a period
  UNIQUE (tenant_id, task_id, member_id, period_key, seq)
);
CREATE INDEX task_completions_member ON task_completions (tenant_id, member_id, completed_at);

-- ——— referrals ———

CREATE TABLE invite_codes (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  member_id text NOT NULL,
  code text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id),
  UNIQUE (tenant_id, code)
);

-- One per invitee: who invited them, and which rewards were paid. A refused attempt is kept (status rejected,
-- with its reason) so operators see abuse; an invitee is bound at most once either way.
CREATE TABLE referrals (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  referral_id text NOT NULL,
  invitee_id text NOT NULL,
  inviter_id text NOT NULL,
  code text NOT NULL,
  device_id text,
  status text NOT NULL CHECK (status IN ('active', 'rejected')),
  reject_reason text,
  -- rewards: 'paid', 'capped' (the inviter's limit was reached) or null (not yet due)
  join_reward text,
  first_order_id text,
  first_order_reward text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, referral_id),
  UNIQUE (tenant_id, invitee_id)
);
CREATE INDEX referrals_inviter ON referrals (tenant_id, inviter_id, created_at);
-- A device counts as an invitee once: many accounts opened on one phone handset earn nothing more.
CREATE UNIQUE INDEX referrals_device ON referrals (tenant_id, device_id) WHERE status = 'active' AND device_id IS NOT NULL;

-- Rewards paid per inviter and month, checked against the brand's monthly cap in one conditional statement.
CREATE TABLE referral_reward_counts (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  inviter_id text NOT NULL,
  month text NOT NULL,
  rewarded integer NOT NULL DEFAULT 0 CHECK (rewarded >= 0),
  PRIMARY KEY (tenant_id, inviter_id, month)
);

-- ——— product trials ———

CREATE TABLE trials (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  trial_id text NOT NULL,
  code text NOT NULL,
  name text NOT NULL,
  description text,
  product_sku text NOT NULL,
  quota integer NOT NULL CHECK (quota >= 1),
  approved_count integer NOT NULL DEFAULT 0,
  applications_open_at timestamptz NOT NULL,
  applications_close_at timestamptz NOT NULL,
  feedback_points integer NOT NULL DEFAULT 0 CHECK (feedback_points >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, trial_id),
  UNIQUE (tenant_id, code),
  -- the quota as an invariant of the data: of many approvals at once, only as many as the quota succeed
  CHECK (approved_count >= 0 AND approved_count <= quota),
  CHECK (applications_close_at > applications_open_at)
);

CREATE TABLE trial_applications (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  application_id text NOT NULL,
  trial_id text NOT NULL,
  member_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('applied', 'approved', 'rejected', 'shipped', 'reviewed')),
  recipient_name text NOT NULL,
  phone text NOT NULL,
  address text NOT NULL,
  reason text,
  tracking_no text,
  rating integer CHECK (rating BETWEEN 1 AND 5),
  feedback text,
  points_awarded integer NOT NULL DEFAULT 0,
  applied_at timestamptz NOT NULL,
  decided_at timestamptz,
  shipped_at timestamptz,
  reviewed_at timestamptz,
  PRIMARY KEY (tenant_id, application_id),
  UNIQUE (tenant_id, trial_id, member_id),
  FOREIGN KEY (tenant_id, trial_id) REFERENCES trials (tenant_id, trial_id)
);
CREATE INDEX trial_applications_trial ON trial_applications (tenant_id, trial_id, status, application_id);
CREATE INDEX trial_applications_member ON trial_applications (tenant_id, member_id, application_id);

-- ——— member day ———

-- Exclusive coupons claimed on member day: each template once per member and month.
CREATE TABLE member_day_claims (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  member_id text NOT NULL,
  month text NOT NULL,
  template_code text NOT NULL,
  coupon_issue_id text NOT NULL,
  claimed_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id, month, template_code)
);
