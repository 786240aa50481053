-- Action links that ran (C5). A link runs at most once: running it again
-- answers "already done" with when, and changes nothing. Keyed by the
-- token's SHA-256 (the token is a credential: it is not stored); a row is
-- forgotten once its link has expired, when the link can't run anyway.
CREATE TABLE action_links_used (
  token_sha256 text PRIMARY KEY,
  action       text NOT NULL,
  tenant_id    text NOT NULL,
  user_id      text NOT NULL,
  affected     integer NOT NULL DEFAULT 0,
  done_at      timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX action_links_used_expiry ON action_links_used (expires_at);

-- Keyset pages: dead letters by (failed_at, id), webhooks and reminders by
-- (created_at, id).
DROP INDEX deliveries_failed;
CREATE INDEX deliveries_failed ON deliveries (failed_at, id) WHERE state = 'failed';
CREATE INDEX webhooks_page ON webhooks (created_at, id);
DROP INDEX reminders_user;
CREATE INDEX reminders_user ON reminders (user_id, created_at, id);
