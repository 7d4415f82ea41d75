-- Order intake from message streams: how far each partition has been applied. Written in the same transaction as
-- the orders it covers, so a crash resumes exactly after the last committed message. Infrastructure, not a brand's
-- data (a partition carries many brands), hence no tenant_id.
CREATE TABLE intake_offsets (
  stream text NOT NULL,
  partition integer NOT NULL,
  last_seq bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (stream, partition)
);
