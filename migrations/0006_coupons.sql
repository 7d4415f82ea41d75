-- Coupons: templates and packs, issued coupons, checkouts (quote → hold → commit), and the points mall.
-- Amounts are minor units of the brand's currency; every key leads with tenant_id (see docs/architecture.md).

-- One per brand: the newcomer pack, the checkout hold, points as payment, what a cancellation gives back.
CREATE TABLE coupon_settings (
  tenant_id text PRIMARY KEY REFERENCES tenants (tenant_id),
  settings jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- What a coupon gives (benefit), where it applies (conditions), how long it lasts (validity), how it combines
-- (stacking_group, exclusive, with_member_discount) and how many may exist (budgets). The JSON columns are parsed
-- by the schemas in src/coupons/schemas.ts; benefit, conditions and stacking never change once created.
CREATE TABLE coupon_templates (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  template_id text NOT NULL,
  code text NOT NULL,
  name text NOT NULL,
  description text,
  benefit jsonb NOT NULL,
  conditions jsonb NOT NULL DEFAULT '{}'::jsonb,
  validity jsonb NOT NULL,
  stacking_group text NOT NULL,
  exclusive boolean NOT NULL DEFAULT false,
  with_member_discount boolean NOT NULL DEFAULT true,
  -- Quantity budget. issued_count is kept only while max_issued is set (a row every claim would otherwise lock).
  max_issued integer CHECK (max_issued >= 0),
  issued_count integer NOT NULL DEFAULT 0,
  -- Money budget: discounts granted by held and redeemed coupons of this template, kept only while budget_minor is set.
  budget_minor bigint CHECK (budget_minor >= 0),
  discount_granted_minor bigint NOT NULL DEFAULT 0 CHECK (discount_granted_minor >= 0),
  per_member_limit integer CHECK (per_member_limit >= 1),
  claimable boolean NOT NULL DEFAULT false,
  staff_issuable boolean NOT NULL DEFAULT false,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, template_id),
  UNIQUE (tenant_id, code),
  -- The budgets are invariants of the data, not only of the code: an overrun stops the transaction.
  CHECK (max_issued IS NULL OR issued_count <= max_issued),
  CHECK (budget_minor IS NULL OR discount_granted_minor <= budget_minor)
);

-- A pack bundles templates (the newcomer pack: spend 148 get 20 off, 178 get 30 off, 150 get 100 off).
CREATE TABLE coupon_packs (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  pack_id text NOT NULL,
  code text NOT NULL,
  name text NOT NULL,
  -- [{ template_id, quantity }]
  items jsonb NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, pack_id),
  UNIQUE (tenant_id, code)
);

-- One issuance (to one member or to a list): its business key makes it happen once, whoever retries it
-- (an event delivered twice, a client retrying, a points exchange).
CREATE TABLE coupon_issues (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  issue_id text NOT NULL,
  issue_key text NOT NULL,
  source text NOT NULL CHECK (source IN ('api', 'staff', 'claim', 'tier_upgrade', 'join', 'points', 'bulk')),
  template_id text,
  pack_id text,
  actor text NOT NULL,
  members integer NOT NULL,
  issued integer NOT NULL DEFAULT 0,
  -- [{ member_id, template_id, reason }], at most a few hundred kept
  skipped jsonb NOT NULL DEFAULT '[]'::jsonb,
  skipped_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, issue_id),
  UNIQUE (tenant_id, issue_key),
  CHECK ((template_id IS NULL) <> (pack_id IS NULL))
);

CREATE TABLE coupons (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  coupon_id text NOT NULL,
  -- Printed as a QR code or barcode; random, so a code reveals nothing and cannot be guessed from another.
  code text NOT NULL,
  template_id text NOT NULL,
  member_id text NOT NULL,
  issue_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('available', 'reserved', 'redeemed', 'revoked')),
  valid_from timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  -- The checkout holding or having redeemed it, and what it took off there.
  order_id text,
  discount_minor bigint CHECK (discount_minor >= 0),
  redeemed_at timestamptz,
  issued_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, coupon_id),
  UNIQUE (tenant_id, code),
  FOREIGN KEY (tenant_id, template_id) REFERENCES coupon_templates (tenant_id, template_id),
  CHECK ((status IN ('reserved', 'redeemed')) = (order_id IS NOT NULL)),
  CHECK (valid_from < valid_until)
);
CREATE INDEX coupons_member ON coupons (tenant_id, member_id, status, valid_until);
CREATE INDEX coupons_issue ON coupons (tenant_id, issue_id);
CREATE INDEX coupons_template ON coupons (tenant_id, template_id, status);

-- How many coupons of a template each member was ever issued: the per-member limit is checked and counted in
-- one statement on this row, so parallel claims by one member cannot both pass.
CREATE TABLE coupon_member_counts (
  tenant_id text NOT NULL,
  template_id text NOT NULL,
  member_id text NOT NULL,
  issued integer NOT NULL CHECK (issued >= 0),
  PRIMARY KEY (tenant_id, template_id, member_id)
);

-- A checkout: the coupons and points an order uses. The shop's order id is the business key: one checkout per
-- order, ever. A hold (reserved coupons, points taken) lasts until hold_until, then is released.
CREATE TABLE checkouts (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  order_id text NOT NULL,
  checkout_id text NOT NULL,
  member_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('held', 'committed', 'released', 'cancelled', 'refunded')),
  request_hash text NOT NULL,
  currency char(3) NOT NULL,
  coupon_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
  discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
  total_due_minor bigint NOT NULL DEFAULT 0 CHECK (total_due_minor >= 0),
  points_used bigint NOT NULL DEFAULT 0 CHECK (points_used >= 0),
  points_value_minor bigint NOT NULL DEFAULT 0 CHECK (points_value_minor >= 0),
  -- Never negative: the invariant the whole pricing pipeline is built to keep.
  payable_minor bigint NOT NULL DEFAULT 0 CHECK (payable_minor >= 0),
  refunded_minor bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= total_due_minor),
  points_restored bigint NOT NULL DEFAULT 0 CHECK (points_restored >= 0 AND points_restored <= points_used),
  -- [{ reference, amount_minor, points_restored, at }]
  refunds jsonb NOT NULL DEFAULT '[]'::jsonb,
  -- The priced cart as committed: lines, adjustments, points to earn.
  pricing jsonb NOT NULL DEFAULT '{}'::jsonb,
  hold_until timestamptz,
  committed_at timestamptz,
  ended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, order_id),
  UNIQUE (tenant_id, checkout_id)
);
CREATE INDEX checkouts_holds ON checkouts (hold_until) WHERE status = 'held';
CREATE INDEX checkouts_member ON checkouts (tenant_id, member_id, created_at);

-- ——— the points mall ———

CREATE TABLE rewards (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  reward_id text NOT NULL,
  code text NOT NULL,
  name text NOT NULL,
  description text,
  kind text NOT NULL CHECK (kind IN ('coupon', 'physical', 'voucher')),
  coupon_template_id text,
  price_points bigint NOT NULL CHECK (price_points > 0),
  price_cash_minor bigint NOT NULL DEFAULT 0 CHECK (price_cash_minor >= 0),
  -- null: unlimited. stock_left moves in the same statement that checks it.
  stock_left integer CHECK (stock_left >= 0),
  per_member_limit integer CHECK (per_member_limit >= 1),
  -- Tier codes that may redeem; null: every member.
  tiers jsonb,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, reward_id),
  UNIQUE (tenant_id, code),
  CHECK ((kind = 'coupon') = (coupon_template_id IS NOT NULL)),
  FOREIGN KEY (tenant_id, coupon_template_id) REFERENCES coupon_templates (tenant_id, template_id)
);

CREATE TABLE reward_member_counts (
  tenant_id text NOT NULL,
  reward_id text NOT NULL,
  member_id text NOT NULL,
  redeemed integer NOT NULL CHECK (redeemed >= 0),
  PRIMARY KEY (tenant_id, reward_id, member_id)
);

CREATE TABLE reward_redemptions (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  redemption_id text NOT NULL,
  reward_id text NOT NULL,
  member_id text NOT NULL,
  -- The client's business key: the same reference again is the same redemption.
  reference text NOT NULL,
  points_spent bigint NOT NULL CHECK (points_spent >= 0),
  cash_minor bigint NOT NULL DEFAULT 0 CHECK (cash_minor >= 0),
  cash_payment_reference text,
  status text NOT NULL CHECK (status IN ('fulfilled', 'pending_fulfilment', 'shipped', 'delivered', 'cancelled')),
  coupon_id text,
  voucher_code text,
  shipping_address jsonb,
  tracking_no text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, redemption_id),
  UNIQUE (tenant_id, member_id, reference),
  FOREIGN KEY (tenant_id, reward_id) REFERENCES rewards (tenant_id, reward_id)
);
CREATE INDEX reward_redemptions_status ON reward_redemptions (tenant_id, status, created_at);
CREATE INDEX reward_redemptions_member ON reward_redemptions (tenant_id, member_id, created_at);
CREATE UNIQUE INDEX reward_redemptions_voucher ON reward_redemptions (tenant_id, voucher_code) WHERE voucher_code IS NOT NULL;
