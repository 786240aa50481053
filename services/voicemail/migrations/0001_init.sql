-- Voicemail: mailboxes (message stores), their lines, greetings, messages and
-- the audio/PDF blobs. Users, tenants and lines belong to profiles: their ids
-- are kept here without foreign keys (one schema per service).

-- Audio and documents (BlobStore's PostgreSQL implementation). Kept apart
-- from the message rows so listing messages never drags bytea through.
CREATE TABLE blobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL DEFAULT '',
  content_type text NOT NULL,
  size_bytes bigint NOT NULL,
  data bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A message store: one per user (shared by all their lines, A6), or one per
-- admin-managed line (user_id empty). settings is MessageSettings in
-- protobuf's JSON mapping (field names as in voicemail.proto).
CREATE TABLE mailboxes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id text NOT NULL,
  user_id text NOT NULL DEFAULT '',
  sip_domain text NOT NULL DEFAULT '',
  settings jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX mailboxes_user ON mailboxes (user_id) WHERE user_id <> '';
CREATE INDEX mailboxes_tenant ON mailboxes (tenant_id);

CREATE TABLE mailbox_lines (
  line_id text PRIMARY KEY,
  mailbox_id uuid NOT NULL REFERENCES mailboxes ON DELETE CASCADE,
  number text NOT NULL DEFAULT '',
  number_e164 text NOT NULL DEFAULT '',
  extension text NOT NULL DEFAULT '',
  position int NOT NULL DEFAULT 0
);
CREATE INDEX mailbox_lines_mailbox ON mailbox_lines (mailbox_id);

-- Recorded greetings by slot (voicemail.proto GreetingSlot numbers).
CREATE TABLE greetings (
  mailbox_id uuid NOT NULL REFERENCES mailboxes ON DELETE CASCADE,
  slot smallint NOT NULL,
  blob_id uuid NOT NULL,
  duration_ms int NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mailbox_id, slot)
);

-- type, folder and reason are voicemail.proto enum numbers.
CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  mailbox_id uuid NOT NULL REFERENCES mailboxes ON DELETE CASCADE,
  line_id text NOT NULL DEFAULT '',
  type smallint NOT NULL,
  from_number text NOT NULL DEFAULT '',
  from_name text NOT NULL DEFAULT '',
  received_at timestamptz NOT NULL DEFAULT now(),
  duration_ms int NOT NULL DEFAULT 0,
  pages int NOT NULL DEFAULT 0,
  is_new boolean NOT NULL DEFAULT true,
  urgent boolean NOT NULL DEFAULT false,
  private boolean NOT NULL DEFAULT false,
  folder smallint NOT NULL DEFAULT 1,
  reason smallint NOT NULL DEFAULT 0,
  content_type text NOT NULL,
  size_bytes bigint NOT NULL DEFAULT 0,
  blob_id uuid NOT NULL,
  deleted_at timestamptz,
  forwarded_from uuid,
  reply_to uuid,
  call_id text NOT NULL DEFAULT ''
);
CREATE INDEX messages_mailbox_folder ON messages (mailbox_id, folder, received_at DESC, id DESC);

-- Transactional outbox, as in profiles and routing: events written with the
-- change they describe, relayed to Redis Streams by OutboxRelay.
CREATE TABLE outbox (
  seq bigserial PRIMARY KEY,
  topic text NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL,
  tenant_id text NOT NULL DEFAULT '',
  payload bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
