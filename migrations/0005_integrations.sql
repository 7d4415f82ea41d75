-- Platform integrations: the shared secrets Shopify and WooCommerce sign their webhooks with.

-- One secret per brand and platform. It is stored as given because checking an HMAC signature needs the key
-- itself; setting it again replaces it (created_at is then the time of the replacement).
CREATE TABLE integration_secrets (
  tenant_id text NOT NULL REFERENCES tenants (tenant_id),
  platform text NOT NULL CHECK (platform IN ('shopify', 'woocommerce')),
  secret text NOT NULL CHECK (length(secret) BETWEEN 8 AND 512),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, platform)
);
