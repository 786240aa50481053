-- When mailbox.accessed was last published for the mailbox: listing the
-- INBOX in the portal publishes it at most once a minute (the portal lists
-- on every page view), and the check-and-set must hold across replicas.
ALTER TABLE mailboxes ADD COLUMN accessed_event_at timestamptz;
