-- A listing's images column holds up to command.MaxImages URLs of up to
-- 1,024 bytes each, as JSON (ids and escapes besides): TEXT's 64 KB held
-- about ten once & was HTML-escaped to six bytes, and the eleventh image was
-- a 500. The JSON is now written unescaped too; MEDIUMTEXT leaves room for
-- any JSON the accepted limits allow (issue 11).

-- +goose Up
ALTER TABLE listings MODIFY images MEDIUMTEXT NOT NULL;

-- +goose Down
ALTER TABLE listings MODIFY images TEXT NOT NULL;
