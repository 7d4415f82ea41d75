-- Loyalty core: orders from every channel, the points ledger (double-entry, lot-based), earn rules, tiers.

-- ——— orders ———

CREATE TABLE orders (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  order_id text NOT NULL,
  channel text NOT NULL,
  external_id text NOT NULL,
  -- null while an order for an unknown customer is held unmatched
  member_id text,
  customer_phone text,
  store_id text,
  guide_id text,
  status text NOT NULL CHECK (status IN ('paid', 'completed', 'cancelled', 'refunded', 'unmatched')),
  currency char(3) NOT NULL,
  items_minor bigint NOT NULL,
  discount_minor bigint NOT NULL DEFAULT 0,
  shipping_minor bigint NOT NULL DEFAULT 0,
  paid_minor bigint NOT NULL CHECK (paid_minor >= 0),
  refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= paid_minor),
  points_earned bigint NOT NULL DEFAULT 0,
  growth_earned bigint NOT NULL DEFAULT 0,
  earn_note text,
  ordered_at timestamptz NOT NULL,
  completes_at timestamptz NOT NULL,
  completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, order_id),
  -- The business key: the same order from the same channel is one order, however often it arrives.
  UNIQUE (tenant_id, channel, external_id)
);
CREATE INDEX orders_member ON orders (tenant_id, member_id, ordered_at);
CREATE INDEX orders_to_complete ON orders (completes_at) WHERE status = 'paid';
CREATE INDEX orders_unmatched ON orders (tenant_id, customer_phone) WHERE status = 'unmatched';

CREATE TABLE order_lines (
  tenant_id text NOT NULL,
  order_id text NOT NULL,
  line_no integer NOT NULL,
  sku text NOT NULL,
  name text,
  category text,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
  discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
  refunded_quantity integer NOT NULL DEFAULT 0 CHECK (refunded_quantity >= 0 AND refunded_quantity <= quantity),
  -- No foreign key to orders: lines are written with their order in one statement batch, and the per-row key
  -- check cost more than the insert itself.
  PRIMARY KEY (tenant_id, order_id, line_no)
);

CREATE TABLE order_refunds (
  tenant_id text NOT NULL,
  order_id text NOT NULL,
  external_id text NOT NULL,
  refund_id text NOT NULL,
  amount_minor bigint NOT NULL CHECK (amount_minor > 0),
  lines jsonb NOT NULL DEFAULT '[]'::jsonb,
  points_reversed bigint NOT NULL DEFAULT 0,
  refunded_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, order_id, external_id),
  FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, order_id)
);

-- ——— points program ———

-- One per brand: return window, expiry policy, refund policy, what to do with orders of unknown customers.
CREATE TABLE points_programs (
  tenant_id text PRIMARY KEY REFERENCES tenants (tenant_id),
  settings jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Earn rules as data; `definition` is parsed by the pure evaluator in src/points/earn-rules.ts.
CREATE TABLE earn_rules (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  rule_id text NOT NULL,
  name text NOT NULL,
  definition jsonb NOT NULL,
  active boolean NOT NULL DEFAULT true,
  starts_at timestamptz,
  ends_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, rule_id)
);

-- ——— the ledger ———

-- A journal entry: one business event (an earning, a spend, an expiry) for one member and one currency.
CREATE TABLE ledger_entries (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  entry_id text NOT NULL,
  member_id text NOT NULL,
  currency text NOT NULL CHECK (currency IN ('points', 'growth')),
  kind text NOT NULL,
  -- what the member's balance moved by (positive: they gained), for reading history without the postings
  amount bigint NOT NULL,
  reason text NOT NULL,
  rule_id text,
  source_type text NOT NULL,
  source_id text,
  actor text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, entry_id)
);
CREATE INDEX ledger_entries_member ON ledger_entries (tenant_id, member_id, occurred_at, entry_id);
-- Business keys for spends and adjustments: the same reference twice never moves points twice.
CREATE UNIQUE INDEX ledger_entries_reference ON ledger_entries (tenant_id, member_id, kind, source_type, source_id)
  WHERE kind IN ('spend', 'adjust') AND source_id IS NOT NULL;

-- Balanced postings: within an entry they sum to zero. No foreign key to the entry: both are written together by
-- one function (src/points/ledger.ts), and a per-row key check measured as the slowest part of batched ingest;
-- the ledger check (GET /v1/points/check) finds any posting without its entry. Member accounts carry the member id; program
-- accounts (issued, redeemed, expired, reversed, adjusted) do not: their totals are sums, never a hot row.
CREATE TABLE ledger_postings (
  tenant_id text NOT NULL,
  entry_id text NOT NULL,
  seq smallint NOT NULL,
  account text NOT NULL,
  member_id text,
  amount bigint NOT NULL,
  PRIMARY KEY (tenant_id, entry_id, seq)
);
CREATE INDEX ledger_postings_account ON ledger_postings (tenant_id, account);

-- Each earning is a lot with its own expiry, spent first-expiring-first. Never below zero.
CREATE TABLE points_lots (
  tenant_id text NOT NULL,
  lot_id text NOT NULL,
  member_id text NOT NULL,
  entry_id text NOT NULL,
  source_type text NOT NULL,
  source_id text,
  amount bigint NOT NULL CHECK (amount > 0),
  remaining bigint NOT NULL CHECK (remaining >= 0 AND remaining <= amount),
  status text NOT NULL CHECK (status IN ('pending', 'available', 'closed')),
  earned_at timestamptz NOT NULL,
  available_at timestamptz NOT NULL,
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, lot_id)
);
CREATE INDEX points_lots_open ON points_lots (tenant_id, member_id, status, expires_at) WHERE remaining > 0;
CREATE INDEX points_lots_due ON points_lots (available_at) WHERE status = 'pending';
CREATE INDEX points_lots_expiring ON points_lots (expires_at) WHERE status = 'available' AND remaining > 0;
CREATE INDEX points_lots_source ON points_lots (tenant_id, source_type, source_id);

-- The member's balances, kept in step with the ledger in the same transaction. `available` may go below
-- zero only under the negative-balance refund policy (points owed); lots never do.
CREATE TABLE member_balances (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  available bigint NOT NULL DEFAULT 0,
  pending bigint NOT NULL DEFAULT 0 CHECK (pending >= 0),
  growth bigint NOT NULL DEFAULT 0,
  orders_count integer NOT NULL DEFAULT 0,
  first_order_at timestamptz,
  last_order_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, member_id)
);

-- ——— tiers ———

CREATE TABLE tiers (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  tier_id text NOT NULL,
  code text NOT NULL,
  name text NOT NULL,
  rank integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('free', 'paid')),
  -- free tiers: what qualifies (growth value, spend or orders in a window) and what keeps the tier
  qualification jsonb NOT NULL DEFAULT '{}'::jsonb,
  benefits jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, tier_id),
  UNIQUE (tenant_id, code)
);

CREATE TABLE tier_plans (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  plan_id text NOT NULL,
  tier_id text NOT NULL,
  code text NOT NULL,
  name text NOT NULL,
  price_minor bigint NOT NULL CHECK (price_minor >= 0),
  duration text NOT NULL CHECK (duration IN ('month', 'season', 'year')),
  trial_days integer NOT NULL DEFAULT 0,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, plan_id),
  UNIQUE (tenant_id, code),
  FOREIGN KEY (tenant_id, tier_id) REFERENCES tiers (tenant_id, tier_id)
);

CREATE TABLE tier_subscriptions (
  tenant_id text NOT NULL,
  subscription_id text NOT NULL,
  member_id text NOT NULL,
  plan_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('trial', 'active', 'cancelled', 'expired')),
  external_id text,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, subscription_id),
  FOREIGN KEY (tenant_id, plan_id) REFERENCES tier_plans (tenant_id, plan_id)
);
CREATE INDEX tier_subscriptions_member ON tier_subscriptions (tenant_id, member_id, ends_at);
CREATE UNIQUE INDEX tier_subscriptions_external ON tier_subscriptions (tenant_id, external_id) WHERE external_id IS NOT NULL;

-- Where each member stands: the free tier earned, and since when (grace and one-step-down need it).
CREATE TABLE member_tiers (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  free_tier_id text,
  achieved_at timestamptz NOT NULL,
  grace_until timestamptz,
  evaluated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id)
);
