-- Emails compare exactly: the table's collation (utf8mb4_general_ci) took
-- accents and case as equal, so tenant@exämple.com logged into
-- tenant@example.com and a look-alike could not register. Commands
-- normalise an address once (trimmed, Unicode NFC, lower case) before it is
-- stored or looked up; the column compares bytes (issue 11). Existing rows
-- were stored trimmed and lower-cased already; a binary collation can only
-- tell more of them apart, never join two.

-- +goose Up
ALTER TABLE users MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;

-- +goose Down
ALTER TABLE users MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL;
