-- Organisation and shopping guides: member reassignment and handover, channel QR codes ("live codes"),
-- HQ tasks for stores and guides, guide results, quick replies. Every key leads with tenant_id.

-- A guide leaving: their members move to another guide or to the store pool (no guide), recorded once.
CREATE TABLE guide_handovers (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  handover_id text NOT NULL,
  from_guide_id text NOT NULL,
  to_guide_id text,
  to_store_id text,
  members_moved integer NOT NULL,
  actor text NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, handover_id)
);
CREATE INDEX guide_handovers_from ON guide_handovers (tenant_id, from_guide_id);

-- Every change of a member's guide or home store, one by one or by a handover: who, when, from what to what.
CREATE TABLE member_assignments (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  assignment_id text NOT NULL,
  member_id text NOT NULL,
  from_guide_id text,
  to_guide_id text,
  from_store_id text,
  to_store_id text,
  handover_id text,
  actor text NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, assignment_id)
);
CREATE INDEX member_assignments_member ON member_assignments (tenant_id, member_id, at);

-- Channel QR codes: a scene key printed in a QR code; joining through it tags the member, gives them a guide and a
-- store, and may issue a welcome coupon or pack (named by code).
CREATE TABLE channel_codes (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  code_id text NOT NULL,
  scene_key text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('store', 'guide', 'campaign')),
  store_id text,
  guide_id text,
  campaign text,
  -- Where the code belongs in the tree (its store, its guide's unit, or its creator's unit): staff see codes below them.
  org_path text NOT NULL,
  tag_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
  welcome_coupon text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, code_id),
  UNIQUE (tenant_id, scene_key)
);
CREATE INDEX channel_codes_guide ON channel_codes (tenant_id, guide_id);

-- Counts per code and brand-local day: one row per code and day, so a busy code is not one hot row forever and
-- the days make the chart.
CREATE TABLE channel_code_days (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  code_id text NOT NULL,
  day date NOT NULL,
  scans integer NOT NULL DEFAULT 0,
  joins integer NOT NULL DEFAULT 0,
  first_orders integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, code_id, day)
);

-- Who joined through which code (a member joins once), and when they first ordered.
CREATE TABLE channel_code_members (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  member_id text NOT NULL,
  code_id text NOT NULL,
  joined_at timestamptz NOT NULL,
  first_order_at timestamptz,
  PRIMARY KEY (tenant_id, member_id)
);
CREATE INDEX channel_code_members_code ON channel_code_members (tenant_id, code_id);

-- HQ (or a region, or a store) gives a task to every guide or store manager of a subtree.
CREATE TABLE staff_tasks (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  task_id text NOT NULL,
  title text NOT NULL,
  description text,
  kind text NOT NULL CHECK (kind IN ('recruit', 'issue_coupons', 'contact_members')),
  scope_org_unit_id text NOT NULL,
  -- The scope unit's path when issued: who sees the task is a prefix match either way.
  scope_path text NOT NULL,
  assignee_role text NOT NULL CHECK (assignee_role IN ('guide', 'store_manager')),
  target_per_assignee integer NOT NULL CHECK (target_per_assignee >= 1),
  template_code text,
  segment_id text,
  starts_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  reward_points integer CHECK (reward_points >= 0),
  reward_bonus_minor bigint CHECK (reward_bonus_minor >= 0),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled')),
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, task_id),
  CHECK (due_at > starts_at)
);

-- Who must do it, with where they sat when it was issued (org_path), so each level's roll-up is a prefix match.
CREATE TABLE staff_task_assignees (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  task_id text NOT NULL,
  staff_id text NOT NULL,
  org_unit_id text NOT NULL,
  org_path text NOT NULL,
  done integer NOT NULL DEFAULT 0,
  completed_at timestamptz,
  reminders integer NOT NULL DEFAULT 0,
  last_reminded_at timestamptz,
  PRIMARY KEY (tenant_id, task_id, staff_id)
);
CREATE INDEX staff_task_assignees_staff ON staff_task_assignees (tenant_id, staff_id);

-- Each real action that counts: a member joined, a coupon issued, a member contacted. A subject (the member, the
-- coupon) counts once per task and person, however often the event is delivered or the action repeated.
CREATE TABLE staff_task_credits (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  task_id text NOT NULL,
  staff_id text NOT NULL,
  subject_id text NOT NULL,
  member_id text NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, task_id, staff_id, subject_id)
);

-- A guide's logged contact with a member (call, chat, visit): the real action behind "contact these members".
CREATE TABLE staff_contacts (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  contact_id text NOT NULL,
  staff_id text NOT NULL,
  member_id text NOT NULL,
  channel text NOT NULL,
  note text,
  at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, contact_id)
);
CREATE INDEX staff_contacts_member ON staff_contacts (tenant_id, member_id, at);

-- Rewards for a completed task: staff points and/or a bonus recorded for payroll. Once per task and person.
CREATE TABLE staff_rewards (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  task_id text NOT NULL,
  staff_id text NOT NULL,
  points integer NOT NULL DEFAULT 0,
  bonus_minor bigint NOT NULL DEFAULT 0,
  at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, task_id, staff_id)
);
CREATE INDEX staff_rewards_staff ON staff_rewards (tenant_id, staff_id);

-- A guide's results per brand-local day, kept by event subscribers.
CREATE TABLE guide_daily_results (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  staff_id text NOT NULL,
  day date NOT NULL,
  recruits integer NOT NULL DEFAULT 0,
  orders integer NOT NULL DEFAULT 0,
  sales_minor bigint NOT NULL DEFAULT 0,
  redemptions integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, staff_id, day)
);

-- Quick replies for customer service: shared from HQ (owner_staff_id null) or a person's own.
CREATE TABLE quick_replies (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  reply_id text NOT NULL,
  owner_staff_id text,
  category text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  use_count integer NOT NULL DEFAULT 0,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, reply_id)
);
CREATE INDEX quick_replies_category ON quick_replies (tenant_id, category);
