-- Members ("open a card"), their identities on other systems, and consent.

CREATE TABLE members (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  member_id text NOT NULL,
  card_no text NOT NULL,
  -- prospect: known (e.g. from an order) but never opened a card; active; merged into another; erased (PII removed).
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('prospect', 'active', 'merged', 'erased')),
  merged_into text,
  phone text,
  email text,
  name text,
  gender text NOT NULL DEFAULT 'unknown' CHECK (gender IN ('female', 'male', 'other', 'unknown')),
  birthday date,
  region text,
  consent jsonb NOT NULL DEFAULT '{}'::jsonb,
  join_channel text NOT NULL,
  join_store_id text,
  join_guide_id text,
  scene_key text,
  home_store_id text,
  guide_id text,
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  joined_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, member_id),
  UNIQUE (tenant_id, card_no)
);
-- One live member per phone; merged and erased rows keep no claim on it.
CREATE UNIQUE INDEX members_phone ON members (tenant_id, phone) WHERE phone IS NOT NULL AND status IN ('prospect', 'active');
CREATE INDEX members_home_store ON members (tenant_id, home_store_id);
CREATE INDEX members_guide ON members (tenant_id, guide_id);
CREATE INDEX members_joined ON members (tenant_id, joined_at);

-- Ids of the member on other systems: WeChat union id, POS card number, shop customer id…
CREATE TABLE member_identities (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  kind text NOT NULL,
  value text NOT NULL,
  member_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, kind, value),
  FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, member_id)
);
CREATE INDEX member_identities_member ON member_identities (tenant_id, member_id);
