-- The delivery worker looks for the next due message of the channels it can
-- use now; with a channel switched off its messages stay pending, and the
-- search must not walk past all of them.
CREATE INDEX notify_outbox_channel_due ON notify_outbox(status, channel, next_attempt_at);
