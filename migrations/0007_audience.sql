-- Audience: what the condition language reads (a per-member snapshot of facts), RFM scores and lifecycle stages,
-- predicted lifetime value, tags and segments. Everything here is derived from other capabilities' data by
-- src/audience/ and can be rebuilt by a recompute, except what people create: tag groups, tags, manual member
-- tags, segments and the settings.

-- One per brand: RFM window, lifecycle thresholds, what makes a member "important". Parsed by a schema on read.
CREATE TABLE audience_settings (
  tenant_id text PRIMARY KEY REFERENCES tenants (tenant_id),
  settings jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A member's facts as conditions see them, copied from members, orders, balances and tiers by
-- src/audience/facts.ts. Time-independent on purpose (counts, sums, first and last times, never "in the last 90
-- days"): comparisons with the current time happen when a condition is evaluated, so a row is never stale merely
-- because time passed. Live members only (active and prospect).
CREATE TABLE audience_member_facts (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  status text NOT NULL,
  gender text NOT NULL,
  birthday date,
  region text,
  join_channel text NOT NULL,
  join_store_id text,
  scene_key text,
  home_store_id text,
  guide_id text,
  joined_at timestamptz NOT NULL,
  consent_sms boolean NOT NULL,
  consent_email boolean NOT NULL,
  consent_im boolean NOT NULL,
  attributes jsonb NOT NULL,
  tier_code text,
  points_available bigint NOT NULL,
  growth bigint NOT NULL,
  orders_count integer NOT NULL,
  spend_minor bigint NOT NULL,
  first_order_at timestamptz,
  last_order_at timestamptz,
  categories text[] NOT NULL,
  channels text[] NOT NULL,
  store_ids text[] NOT NULL,
  refreshed_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id)
);

-- RFM within the brand's window and the lifecycle stage. Scores are 1..5 (5 best) and null for a member without
-- a purchase in the window.
CREATE TABLE audience_member_scores (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  frequency integer NOT NULL,
  monetary_minor bigint NOT NULL,
  r_score smallint CHECK (r_score BETWEEN 1 AND 5),
  f_score smallint CHECK (f_score BETWEEN 1 AND 5),
  m_score smallint CHECK (m_score BETWEEN 1 AND 5),
  rfm_group text,
  stage text NOT NULL CHECK (stage IN ('prospect', 'new', 'active', 'silent', 'lost')),
  stage_since timestamptz NOT NULL,
  important boolean NOT NULL,
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id)
);
CREATE INDEX audience_member_scores_stage ON audience_member_scores (tenant_id, stage);

-- The quintile breakpoints of the last batch run, so that one member re-scored between runs is scored on the same
-- scale as everyone else.
CREATE TABLE audience_rfm_runs (
  tenant_id text PRIMARY KEY REFERENCES tenants (tenant_id),
  window_days integer NOT NULL,
  recency_days_breakpoints double precision[] NOT NULL,
  frequency_breakpoints double precision[] NOT NULL,
  monetary_breakpoints double precision[] NOT NULL,
  scored_members integer NOT NULL,
  computed_at timestamptz NOT NULL
);

-- Stage changes as history (the events go to the outbox too): transitions are counted from here.
CREATE TABLE audience_stage_history (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  changed_at timestamptz NOT NULL,
  from_stage text NOT NULL,
  to_stage text NOT NULL,
  PRIMARY KEY (tenant_id, member_id, changed_at)
);
CREATE INDEX audience_stage_history_at ON audience_stage_history (tenant_id, changed_at);

-- ——— predicted lifetime value ———

-- A fitted BG/NBD + Gamma-Gamma model per brand; parameters are per week.
CREATE TABLE audience_ltv_models (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  model_id text NOT NULL,
  fitted_at timestamptz NOT NULL,
  calibration_end timestamptz NOT NULL,
  bgnbd jsonb NOT NULL,
  gamma_gamma jsonb,
  PRIMARY KEY (tenant_id, model_id)
);

CREATE TABLE audience_member_ltv (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  model_id text NOT NULL,
  repeat_purchases integer NOT NULL,
  p_alive double precision NOT NULL,
  expected_purchases_90d double precision NOT NULL,
  expected_purchases_365d double precision NOT NULL,
  expected_order_value_minor double precision,
  predicted_value_365d_minor double precision,
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id)
);

-- ——— tags ———

-- A dimension of tags (the seeds' six: attributes, product lifecycle, user lifecycle, custom, chat keywords, scene).
CREATE TABLE audience_tag_groups (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  group_id text NOT NULL,
  name text NOT NULL,
  dimension text NOT NULL CHECK (dimension IN ('attribute', 'product_lifecycle', 'user_lifecycle', 'custom', 'chat_keyword', 'scene')),
  description text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, group_id),
  UNIQUE (tenant_id, name)
);

-- How a tag is given: by people (manual), by a condition (rule), by purchases of products (product_lifecycle),
-- by the QR scene a member joined from (scene) or by words in chat messages (keyword). `definition` is the
-- kind's parameters, parsed by a schema on read.
CREATE TABLE audience_tags (
  tenant_id text NOT NULL,
  tag_id text NOT NULL,
  group_id text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('manual', 'rule', 'product_lifecycle', 'scene', 'keyword')),
  definition jsonb NOT NULL,
  expires_after_days integer CHECK (expires_after_days > 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, tag_id),
  UNIQUE (tenant_id, group_id, name),
  FOREIGN KEY (tenant_id, group_id) REFERENCES audience_tag_groups (tenant_id, group_id)
);
CREATE INDEX audience_tags_kind ON audience_tags (tenant_id, kind);

CREATE TABLE audience_member_tags (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  tag_id text NOT NULL,
  source text NOT NULL CHECK (source IN ('manual', 'csv', 'api', 'rule', 'product_lifecycle', 'scene', 'keyword')),
  -- who or what: a staff or key id, a chat message's external id, a scene key
  source_ref text,
  tagged_at timestamptz NOT NULL,
  expires_at timestamptz,
  PRIMARY KEY (tenant_id, member_id, tag_id),
  FOREIGN KEY (tenant_id, tag_id) REFERENCES audience_tags (tenant_id, tag_id)
);
CREATE INDEX audience_member_tags_tag ON audience_member_tags (tenant_id, tag_id);
CREATE INDEX audience_member_tags_expiring ON audience_member_tags (expires_at) WHERE expires_at IS NOT NULL;

-- Chat messages already matched, so a message sent twice tags once. The text itself is not kept.
CREATE TABLE audience_chat_messages (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  source text NOT NULL,
  external_id text NOT NULL,
  member_id text NOT NULL,
  matched_tag_ids text[] NOT NULL,
  sent_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, source, external_id)
);

-- ——— segments ———

CREATE TABLE audience_segments (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  segment_id text NOT NULL,
  name text NOT NULL,
  description text,
  condition jsonb NOT NULL,
  -- what the condition reads (member, tier, points, orders, tags, scores, ltv): a member's change to one of these
  -- re-evaluates the segment for that member
  topics text[] NOT NULL,
  member_count integer NOT NULL DEFAULT 0,
  evaluated_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, segment_id),
  UNIQUE (tenant_id, name)
);

CREATE TABLE audience_segment_members (
  tenant_id text NOT NULL,
  segment_id text NOT NULL,
  member_id text NOT NULL,
  entered_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, segment_id, member_id),
  FOREIGN KEY (tenant_id, segment_id) REFERENCES audience_segments (tenant_id, segment_id) ON DELETE CASCADE
);
CREATE INDEX audience_segment_members_member ON audience_segment_members (tenant_id, member_id);

-- ——— incremental re-evaluation ———

-- Members whose facts changed since they were last evaluated, and what changed. Event handlers only mark a member
-- here (one small upsert, so the outbox relay stays fast); a frequent job re-evaluates marked members in batches,
-- oldest first (first_marked_at). marked_at is the latest mark: a batch run clears only marks older than its start,
-- so a change that arrives while it runs is not lost.
CREATE TABLE audience_dirty_members (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  topics text[] NOT NULL,
  first_marked_at timestamptz NOT NULL,
  marked_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id)
);
CREATE INDEX audience_dirty_members_first ON audience_dirty_members (first_marked_at);
