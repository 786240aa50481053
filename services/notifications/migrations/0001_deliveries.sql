-- The outbox of deliveries: one row per (event, channel, recipient, purpose),
-- written when the event is consumed and before it is acknowledged, so an
-- acknowledged event always has its deliveries, and a redelivered event finds
-- them already there (the unique key) instead of sending twice.
--
-- State machine: pending → sending (leased to one sender until lease_until)
--   → accepted (the SMTP server / webhook answered 2xx)
--   → pending again with next_attempt_at in the future (transient failure)
--   → failed (permanent failure or attempts spent): a dead letter an operator
--     can replay (back to pending).
-- A sender that dies mid-send leaves a 'sending' row whose lease expires; it
-- is sent again (the Message-ID stays the same, so mail stores can dedupe).
CREATE TABLE deliveries (
  id              bigserial PRIMARY KEY,
  event_id        text NOT NULL,
  event_type      text NOT NULL,
  tenant_id       text NOT NULL DEFAULT '',
  user_id         text NOT NULL DEFAULT '',
  channel         text NOT NULL CHECK (channel IN ('EMAIL', 'WEBHOOK')),
  recipient       text NOT NULL,
  purpose         text NOT NULL,
  payload         bytea NOT NULL,
  options         text NOT NULL DEFAULT '',
  state           text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sending', 'accepted', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  max_attempts    integer NOT NULL,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until     timestamptz,
  last_error      text NOT NULL DEFAULT '',
  event_at        timestamptz NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  accepted_at     timestamptz,
  failed_at       timestamptz,
  -- C5 "do not keep the original": what to do to the message once every
  -- delivery of its event carrying the same after_accept was accepted.
  after_accept    text NOT NULL DEFAULT '' CHECK (after_accept IN ('', 'TRASH', 'PURGE')),
  after_accept_done boolean NOT NULL DEFAULT false,
  message_id      text NOT NULL DEFAULT '',
  UNIQUE (event_id, channel, recipient, purpose)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE state = 'sending';
CREATE INDEX deliveries_failed ON deliveries (failed_at) WHERE state = 'failed';
CREATE INDEX deliveries_after_accept ON deliveries (event_id) WHERE after_accept <> '' AND NOT after_accept_done;
CREATE INDEX deliveries_user ON deliveries (user_id, id DESC);

-- Per-user notification settings (F2 addresses, missed-call e-mails, F3
-- call-out), stored as the API's message: read whole, written whole.
CREATE TABLE settings (
  user_id    text PRIMARY KEY,
  tenant_id  text NOT NULL,
  data       bytea NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Operators' and tenants' webhooks (tenant_id '' = every tenant).
CREATE TABLE webhooks (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL DEFAULT '',
  url         text NOT NULL,
  secret      text NOT NULL,
  event_types text[] NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_tenant ON webhooks (tenant_id);

-- The durable scheduler: reminders (B18) and call-outs (F3). Due rows are
-- claimed with FOR UPDATE SKIP LOCKED and leased, so any number of copies of
-- the service can run; a copy that dies mid-call leaves a lease that expires.
CREATE TABLE reminders (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL,
  user_id      text NOT NULL,
  data         bytea NOT NULL,          -- Reminder, without the announcement
  announcement bytea,
  next_run_at  timestamptz,             -- NULL: nothing left to do
  lease_until  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminders_due ON reminders (next_run_at) WHERE next_run_at IS NOT NULL;
CREATE INDEX reminders_user ON reminders (user_id);

CREATE TABLE callouts (
  id           bigserial PRIMARY KEY,
  event_id     text NOT NULL UNIQUE,
  tenant_id    text NOT NULL,
  user_id      text NOT NULL,
  message_id   text NOT NULL,
  urgent       boolean NOT NULL DEFAULT false,
  calls_left   integer NOT NULL,
  next_run_at  timestamptz,             -- NULL: done (answered, read, or spent)
  lease_until  timestamptz,
  last_result  text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX callouts_due ON callouts (next_run_at) WHERE next_run_at IS NOT NULL;
CREATE INDEX callouts_user ON callouts (user_id) WHERE next_run_at IS NOT NULL;
