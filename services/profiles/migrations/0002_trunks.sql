-- Carrier trunks (POST /v1/trunks): the edge recognises inbound calls by
-- their source address and sends external calls to outbound_uri.
CREATE TABLE trunks (
  id uuid PRIMARY KEY DEFAULT public.gen_random_uuid(),
  name text NOT NULL,
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  inbound_sources text[] NOT NULL DEFAULT '{}',
  outbound_uri text NOT NULL DEFAULT '',
  numbers text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trunks_tenant ON trunks (tenant_id);
