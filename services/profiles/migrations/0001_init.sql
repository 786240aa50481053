-- Profiles: tenants, users, lines, devices, credentials, contacts, directory.
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;

CREATE TABLE tenants (
  id uuid PRIMARY KEY DEFAULT public.gen_random_uuid(),
  name text NOT NULL,
  country text NOT NULL,
  timezone text NOT NULL,
  sip_domain text NOT NULL,
  max_concurrent_calls int NOT NULL DEFAULT 5,
  offered_licences text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tenants_sip_domain ON tenants (lower(sip_domain));

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT public.gen_random_uuid(),
  tenant_id uuid REFERENCES tenants(id) ON DELETE CASCADE,  -- NULL for operators
  role text NOT NULL CHECK (role IN ('USER', 'ADMIN', 'OPERATOR')),
  first_name text NOT NULL DEFAULT '',
  last_name text NOT NULL DEFAULT '',
  email text,
  security_email text NOT NULL DEFAULT '',
  security_email_confirmed boolean NOT NULL DEFAULT false,
  language text NOT NULL DEFAULT 'fr',
  timezone text NOT NULL DEFAULT '',
  department text NOT NULL DEFAULT '',
  title text NOT NULL DEFAULT '',
  user_code text NOT NULL DEFAULT '',
  outgoing_cli text NOT NULL DEFAULT '',
  decline_reasons text[] NOT NULL DEFAULT '{}',
  working_hours jsonb NOT NULL DEFAULT '[]',
  licences text[] NOT NULL DEFAULT '{}',
  password_hash text NOT NULL DEFAULT '',
  voicemail_pin_hash text NOT NULL DEFAULT '',
  call_pin_hash text NOT NULL DEFAULT '',
  photo_content_type text NOT NULL DEFAULT '',
  photo bytea,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_sign_in_at timestamptz
);
CREATE UNIQUE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL AND email <> '';
CREATE INDEX users_tenant ON users (tenant_id, id);

CREATE TABLE lines (
  id uuid PRIMARY KEY DEFAULT public.gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id uuid REFERENCES users(id) ON DELETE SET NULL,
  number_e164 text,
  number text,
  extension text,
  kind text NOT NULL DEFAULT 'OFFICE',
  label text NOT NULL DEFAULT '',
  is_primary boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- A number belongs to one line on the whole platform; an extension to one line of its tenant.
CREATE UNIQUE INDEX lines_number ON lines (number_e164) WHERE number_e164 IS NOT NULL;
CREATE UNIQUE INDEX lines_extension ON lines (tenant_id, extension) WHERE extension IS NOT NULL;
CREATE INDEX lines_user ON lines (user_id);

CREATE TABLE devices (
  id uuid PRIMARY KEY DEFAULT public.gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id uuid REFERENCES users(id) ON DELETE CASCADE,
  kind text NOT NULL,
  name text NOT NULL DEFAULT '',
  mac text,
  model text NOT NULL DEFAULT '',
  sip_username text NOT NULL,
  ha1_md5 text NOT NULL,
  ha1_sha256 text NOT NULL,
  line_keys jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX devices_sip_username ON devices (sip_username);
CREATE UNIQUE INDEX devices_mac ON devices (mac) WHERE mac IS NOT NULL;
CREATE INDEX devices_user ON devices (user_id);

-- Single-use tokens (password reset, security e-mail confirmation); only a hash is kept.
CREATE TABLE tokens (
  token_hash text PRIMARY KEY,
  purpose text NOT NULL,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  value text NOT NULL DEFAULT '',
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

CREATE TABLE contacts (
  id uuid PRIMARY KEY DEFAULT public.gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  first_name text NOT NULL DEFAULT '',
  last_name text NOT NULL DEFAULT '',
  -- The whole contact as protobuf JSON; the columns above and contact_numbers
  -- are what queries need.
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_user ON contacts (user_id, last_name, first_name, id);

CREATE TABLE contact_numbers (
  contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  user_id uuid NOT NULL,
  digits text NOT NULL,
  PRIMARY KEY (contact_id, digits)
);
CREATE INDEX contact_numbers_lookup ON contact_numbers (user_id, digits);

CREATE TABLE contact_groups (
  id uuid PRIMARY KEY DEFAULT public.gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name text NOT NULL,
  parent_id uuid REFERENCES contact_groups(id) ON DELETE CASCADE,
  dial_code text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX contact_groups_name ON contact_groups (user_id, coalesce(parent_id, '00000000-0000-0000-0000-000000000000'::uuid), lower(name));

CREATE TABLE contact_group_members (
  group_id uuid NOT NULL REFERENCES contact_groups(id) ON DELETE CASCADE,
  contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, contact_id)
);

CREATE TABLE speed_dials (
  user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code text NOT NULL,
  number text NOT NULL,
  number_e164 text NOT NULL DEFAULT '',
  name text NOT NULL DEFAULT '',
  PRIMARY KEY (user_id, code)
);

-- Transactional outbox: events written with the change they describe, then
-- relayed to Redis Streams, so a crash between commit and publish loses none.
CREATE TABLE outbox (
  seq bigserial PRIMARY KEY,
  topic text NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL,
  tenant_id text NOT NULL DEFAULT '',
  payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
