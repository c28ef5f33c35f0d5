-- A command record that outlives the idempotency window: a one-off migration
-- (rentalctl import) may be interrupted and repeated days later, and a
-- command it committed just before the cut must still be recognised by its
-- id (a listing created twice, page views added twice otherwise). The
-- forgetting job deletes only rows with keep = 0, by (keep, created_at).

-- +goose Up
ALTER TABLE command_dedup
  ADD COLUMN keep BOOLEAN NOT NULL DEFAULT FALSE,
  DROP INDEX ix_command_dedup_created,
  ADD INDEX ix_command_dedup_forget (keep, created_at);

-- +goose Down
ALTER TABLE command_dedup
  DROP INDEX ix_command_dedup_forget,
  ADD INDEX ix_command_dedup_created (created_at),
  DROP COLUMN keep;
