-- The fingerprint of the request behind a client's Idempotency-Key (method,
-- route, path parameters, body). A repeat of the key with another request is
-- refused instead of answered with the first request's result: anonymous
-- callers share one key scope, so without it one stranger got another's.

-- +goose Up
ALTER TABLE command_dedup ADD COLUMN request_hash BINARY(32) NULL;

-- +goose Down
ALTER TABLE command_dedup DROP COLUMN request_hash;
