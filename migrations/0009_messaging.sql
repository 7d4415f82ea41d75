-- Messaging (templated messages to members over SMS, email and IM) and outgoing event webhooks.
-- Every key leads with tenant_id (see docs/architecture.md). Delivery rows carry a lease (locked_until) instead of
-- a lock held during the network call: a worker claims a row in a short transaction, sends, then records the
-- outcome; a worker that dies mid-send leaves a lease that expires, and the row is sent again (at least once).

-- One per brand: quiet hours and the transport of each channel (with its credentials, so stored as given).
CREATE TABLE messaging_settings (
  tenant_id text PRIMARY KEY REFERENCES tenants (tenant_id),
  settings jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- contents: { channel: { locale: { subject?, body } } }, parsed by src/messaging/schemas.ts.
CREATE TABLE message_templates (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  template_id text NOT NULL,
  code text NOT NULL,
  name text NOT NULL,
  category text NOT NULL CHECK (category IN ('marketing', 'transactional')),
  default_locale text NOT NULL,
  contents jsonb NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, template_id),
  UNIQUE (tenant_id, code)
);

-- Every message asked for, sent or not: the rendered text, who it went to, and what became of it.
CREATE TABLE messages (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  message_id text NOT NULL,
  member_id text NOT NULL,
  template_id text NOT NULL,
  template_code text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('sms', 'email', 'im')),
  category text NOT NULL,
  locale text NOT NULL,
  recipient text,
  subject text,
  body text NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'failed', 'suppressed')),
  reason text,
  campaign_id text,
  transport text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  locked_until timestamptz,
  last_error text,
  provider_message_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  delivered_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, message_id)
);
CREATE INDEX messages_member ON messages (tenant_id, member_id, message_id);
CREATE INDEX messages_campaign ON messages (tenant_id, campaign_id, message_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued';

-- Where a brand wants its events. The secret signs per Standard Webhooks; after a rotation the previous one also
-- signs until previous_secret_expires_at, so receivers can switch without losing a message.
CREATE TABLE webhook_endpoints (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  endpoint_id text NOT NULL,
  url text NOT NULL,
  description text,
  event_types jsonb NOT NULL,
  secret text NOT NULL,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  enabled boolean NOT NULL DEFAULT true,
  max_attempts integer NOT NULL CHECK (max_attempts BETWEEN 1 AND 20),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, endpoint_id)
);

-- One event for one endpoint. seq orders an endpoint's deliveries of one subject (member): only the oldest pending
-- one of a subject is sent, so a member's events arrive in order. status: pending → delivered, or dead after
-- max_attempts (replay puts it back to pending).
CREATE TABLE webhook_deliveries (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  delivery_id text NOT NULL,
  endpoint_id text NOT NULL,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  event_id text NOT NULL,
  event_type text NOT NULL,
  subject_key text NOT NULL,
  body text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  locked_until timestamptz,
  last_status_code integer,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  dead_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, delivery_id),
  UNIQUE (tenant_id, endpoint_id, event_id),
  FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, endpoint_id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (tenant_id, endpoint_id, subject_key, seq)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_list ON webhook_deliveries (tenant_id, endpoint_id, delivery_id);
