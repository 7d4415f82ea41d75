-- Privacy: a member's erasures, and the audit log read by staff id and by time.
-- The audit log (0001) gains request entries: one per staff or API-key request that read or changed a member's
-- data. `actor` is the staff or key id, `subject_id` the member; the route, outcome and request id sit in `detail`.
CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor, at);
CREATE INDEX audit_log_at ON audit_log (tenant_id, at, audit_id);

-- One row per erased member: why, who asked and when. Erasure is idempotent: a second request finds this row.
CREATE TABLE member_erasures (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  member_id text NOT NULL,
  reason text NOT NULL,
  actor text NOT NULL,
  -- ids of the records merged into this member, erased with it (the same person)
  merged_member_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
  erased_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, member_id)
);
