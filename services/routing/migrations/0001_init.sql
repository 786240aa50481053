-- Routing: call-handling settings, schedules, rule lists, blacklists, call logs.
-- Users and tenants belong to the profiles service: their ids are kept here
-- without foreign keys (one schema per service, ARCHITECTURE.md "Data").

-- One row per user who changed anything; users without a row get the
-- defaults. The settings are the API's CallSettings in protobuf's JSON mapping
-- (field names as in routing.proto), so the A10 quick-edit table and support
-- queries can read them in SQL: settings->'caller_id'->>'outgoing_name'.
CREATE TABLE call_settings (
  user_id uuid PRIMARY KEY,
  tenant_id uuid NOT NULL,
  settings jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_settings_tenant ON call_settings (tenant_id);

-- Weekly schedules (B7), per user or, with user_id NULL, per tenant.
-- `non-<name>` opposites point at their schedule and go with it.
CREATE TABLE schedules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  user_id uuid,
  name text NOT NULL,
  body jsonb NOT NULL,                 -- days, special_days, holiday_country
  opposite_of uuid REFERENCES schedules(id) ON DELETE CASCADE,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX schedules_name
  ON schedules (tenant_id, coalesce(user_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));
CREATE INDEX schedules_user ON schedules (user_id) WHERE user_id IS NOT NULL;

-- Rule lists (B8): ordered rules and a default action, as JSON.
CREATE TABLE rule_lists (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  name text NOT NULL,
  body jsonb NOT NULL,                 -- rules, default_action
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX rule_lists_name ON rule_lists (user_id, lower(name));

-- The tenant's blacklist (B9): its mode, and its rules in creation order.
CREATE TABLE blacklists (
  tenant_id uuid PRIMARY KEY,
  allow_only_listed boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE blacklist_rules (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  match text NOT NULL CHECK (match IN ('EQUALS', 'STARTS_WITH', 'ENDS_WITH', 'CONTAINS')),
  digits text NOT NULL CHECK (digits ~ '^[0-9]{1,20}$'),
  effect text NOT NULL CHECK (effect IN ('BLOCK', 'ALLOW')),
  note text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX blacklist_rules_tenant ON blacklist_rules (tenant_id, created_at, id);

-- Call history (C9), kept two months. One entry per call and user: a retried
-- write of the same call (at-least-once events) changes nothing.
CREATE TABLE call_logs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  user_id uuid NOT NULL,
  call_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('MISSED', 'OUTGOING', 'RECEIVED', 'REJECTED')),
  other_party text NOT NULL DEFAULT '',
  other_party_name text NOT NULL DEFAULT '',
  started_at timestamptz NOT NULL,
  duration_s int NOT NULL DEFAULT 0 CHECK (duration_s >= 0),
  handled_by_rule text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX call_logs_call_user ON call_logs (call_id, user_id);
CREATE INDEX call_logs_user_time ON call_logs (user_id, started_at DESC, id DESC);
CREATE INDEX call_logs_started ON call_logs (started_at);

-- Transactional outbox, as in profiles: events written with the change they
-- describe, relayed to Redis Streams by OutboxRelay.
CREATE TABLE outbox (
  seq bigserial PRIMARY KEY,
  topic text NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL,
  tenant_id text NOT NULL DEFAULT '',
  payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
