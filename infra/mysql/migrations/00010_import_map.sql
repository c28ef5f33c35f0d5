-- rentalctl import: which aggregate each row of the old site became, so a
-- second run changes nothing. details keeps, as JSON, what the old row had
-- that has no place here yet (page views, favorites and history ids for the
-- commands that will take them, the old publish time).

-- +goose Up
CREATE TABLE import_map (
  source      VARCHAR(16)  NOT NULL, -- house | user | landlord
  old_id      VARCHAR(64)  NOT NULL, -- the old row's id (landlord: its normalised phone number)
  new_id      BINARY(16)   NOT NULL,
  details     TEXT         NOT NULL,
  imported_at DATETIME(6)  NOT NULL,
  PRIMARY KEY (source, old_id),
  KEY ix_import_map_new (new_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE import_map;
