-- Platform: tenants (brands), organisation units, staff, credentials, idempotency, outbox, audit.
-- Every table carries tenant_id and every primary key and unique constraint leads with it, so a brand
-- can be moved to a distributed PostgreSQL (Citus) by tenant without a schema change. `tenants` itself is
-- the registry of brands (a reference table there); its slug is unique across the installation.

CREATE TABLE tenants (
  tenant_id text PRIMARY KEY,
  slug text NOT NULL UNIQUE,
  name text NOT NULL,
  currency char(3) NOT NULL,
  country char(2) NOT NULL DEFAULT 'CN',
  time_zone text NOT NULL,
  locale text NOT NULL DEFAULT 'zh-CN',
  demo boolean NOT NULL DEFAULT false,
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- HQ → region → branch → store. `path` is the chain of ids from the root, '/ou_a/ou_b/', so a subtree
-- is one indexed prefix match.
CREATE TABLE org_units (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  org_unit_id text NOT NULL,
  parent_id text,
  kind text NOT NULL CHECK (kind IN ('hq', 'region', 'branch', 'store')),
  code text NOT NULL,
  name text NOT NULL,
  path text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, org_unit_id),
  UNIQUE (tenant_id, code),
  FOREIGN KEY (tenant_id, parent_id) REFERENCES org_units (tenant_id, org_unit_id)
);
CREATE INDEX org_units_path ON org_units (tenant_id, path text_pattern_ops);

CREATE TABLE staff (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  staff_id text NOT NULL,
  email text NOT NULL,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('owner', 'hq_operator', 'region_manager', 'store_manager', 'guide')),
  org_unit_id text NOT NULL,
  password_hash text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, staff_id),
  UNIQUE (tenant_id, email),
  FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, org_unit_id)
);

-- Server-to-server keys. Only a hash of the secret is kept; the key is shown once.
CREATE TABLE api_keys (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  api_key_id text NOT NULL,
  name text NOT NULL,
  scope text NOT NULL CHECK (scope IN ('read', 'write')),
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, api_key_id)
);

-- Short-lived bearer sessions for staff (console, staff pages) and members (member center).
CREATE TABLE sessions (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  session_id text NOT NULL,
  subject_kind text NOT NULL CHECK (subject_kind IN ('staff', 'member')),
  subject_id text NOT NULL,
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  PRIMARY KEY (tenant_id, session_id)
);
CREATE INDEX sessions_subject ON sessions (tenant_id, subject_kind, subject_id);

-- One-time codes for member sign-in by phone.
CREATE TABLE otp_challenges (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  otp_id text NOT NULL,
  phone text NOT NULL,
  code_hash text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (tenant_id, otp_id)
);
CREATE INDEX otp_challenges_phone ON otp_challenges (tenant_id, phone, created_at);

-- The first response to a state-changing request, replayed for every retry with the same key.
CREATE TABLE idempotency_keys (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  idempotency_key text NOT NULL,
  principal text NOT NULL,
  method text NOT NULL,
  path text NOT NULL,
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'done')),
  response_status integer,
  response_body jsonb,
  locked_until timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Transactional outbox: domain events are written in the transaction that made the change, then relayed
-- to in-process subscribers and (later) webhooks, at least once.
CREATE TABLE outbox (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  event_id text NOT NULL,
  type text NOT NULL,
  subject_id text,
  payload jsonb NOT NULL,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  relayed_at timestamptz,
  PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX outbox_pending ON outbox (occurred_at) WHERE relayed_at IS NULL;
CREATE INDEX outbox_subject ON outbox (tenant_id, subject_id, occurred_at, event_id);

-- Who did what to whom: staff and API actions that change members or configuration.
CREATE TABLE audit_log (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  audit_id text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject_id text,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, audit_id)
);
CREATE INDEX audit_log_subject ON audit_log (tenant_id, subject_id, at);
