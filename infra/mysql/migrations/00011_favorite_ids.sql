-- The favorite pair's aggregate id (events.FavoriteID: the name-based UUID,
-- version 5, of user_id and listing_id in the favorites namespace), derived by
-- MySQL itself so it can never disagree with the row. `rentalctl check`
-- streams favorites in this order and looks pairs up by it: the favorites read
-- model keys each pair's document by this id, which cannot be turned back into
-- (user_id, listing_id).
--
-- SHA-1 of namespace || user_id || listing_id, first 16 bytes, with the
-- version nibble set to 5 (hex digit 13) and the variant bits to 10 (hex digit
-- 17); the same expression works on MySQL 8 and MariaDB 10.11.

-- +goose Up
ALTER TABLE favorites
  ADD COLUMN id BINARY(16) AS (UNHEX(CONCAT(
    SUBSTRING(SHA1(CONCAT(UNHEX('9b0c7a524a554f7ea1d46f0b7c1e2a01'), user_id, listing_id)), 1, 12),
    '5',
    SUBSTRING(SHA1(CONCAT(UNHEX('9b0c7a524a554f7ea1d46f0b7c1e2a01'), user_id, listing_id)), 14, 3),
    HEX(CONV(SUBSTRING(SHA1(CONCAT(UNHEX('9b0c7a524a554f7ea1d46f0b7c1e2a01'), user_id, listing_id)), 17, 1), 16, 10) & 3 | 8),
    SUBSTRING(SHA1(CONCAT(UNHEX('9b0c7a524a554f7ea1d46f0b7c1e2a01'), user_id, listing_id)), 18, 15)
  ))) STORED,
  ADD UNIQUE KEY uk_favorites_id (id);

-- +goose Down
ALTER TABLE favorites DROP KEY uk_favorites_id, DROP COLUMN id;
