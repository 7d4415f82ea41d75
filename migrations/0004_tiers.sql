-- Tiers: what 0003 left open. The ladder's own settings, when each member's free tier is next reviewed, and
-- which upgrade gifts a member has already been given.

-- One per brand: the qualification window, the grace period and how far one review may lower a member.
CREATE TABLE tier_programs (
  tenant_id text PRIMARY KEY REFERENCES tenants (tenant_id),
  settings jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- When the member's free tier is next reviewed for retention (null on the starting tier, which is never lost).
-- Stored rather than derived from achieved_at: a retained tier keeps its achieved_at but gets a new term.
ALTER TABLE member_tiers ADD COLUMN review_at timestamptz;

-- An upgrade gift is given once per member and tier, ever: losing a tier at review and reaching it again must
-- not mint a second gift. The primary key is the guard (an insert that conflicts gives nothing).
CREATE TABLE tier_upgrade_gifts (
  tenant_id text NOT NULL,
  member_id text NOT NULL,
  tier_id text NOT NULL,
  granted_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id, tier_id),
  FOREIGN KEY (tenant_id, tier_id) REFERENCES tiers (tenant_id, tier_id)
);
