-- The records merged into a member, as the points ledger knows them: a spend recorded under an absorbed record
-- (a checkout or a mall redemption paid with its points) is found, and given back to the survivor, when that
-- checkout or redemption is cancelled after the merge. Written by every merge, whatever the balances moved.
CREATE TABLE points_merges (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  survivor_id text NOT NULL,
  absorbed_id text NOT NULL,
  merged_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, survivor_id, absorbed_id)
);
