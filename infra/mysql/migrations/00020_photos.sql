-- Listing photos, shared by every api replica: one row per variant (card,
-- detail, full) of a photo named by the SHA-256 of its original bytes. Rows
-- never change once written (the name is the content), so readers may cache
-- them forever. Listings refer to a photo by its URL /photos/<hash>.

-- +goose Up
CREATE TABLE photos (
  hash         CHAR(64)    CHARACTER SET ascii NOT NULL,
  variant      VARCHAR(8)  CHARACTER SET ascii NOT NULL,
  content_type VARCHAR(32) CHARACTER SET ascii NOT NULL,
  width        INT         NOT NULL,
  height       INT         NOT NULL,
  data         MEDIUMBLOB  NOT NULL,
  created_at   DATETIME(6) NOT NULL,
  PRIMARY KEY (hash, variant)
) ENGINE=InnoDB;

-- +goose Down
DROP TABLE photos;
