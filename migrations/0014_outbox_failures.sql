-- A subscriber that keeps failing on one event must not hold up every event behind it: the relay sets such an
-- event aside with its error, retries it with growing delays, and gives up after a few attempts (the event is then
-- marked relayed with relay_error kept, for an operator to see).
ALTER TABLE outbox ADD COLUMN relay_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN relay_error text;
ALTER TABLE outbox ADD COLUMN relay_after timestamptz;
