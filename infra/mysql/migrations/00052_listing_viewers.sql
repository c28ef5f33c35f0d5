-- A listing's views count distinct viewers per day (China time), not reads:
-- one tenant reading a listing twenty times in a day is one view (issue 11).
-- A row says the user's view of the listing on that day is counted; the
-- counter (listing_views) stays the total the read models show, so
-- rentalctl check and replay are unchanged. Rows of past days are kept only
-- as long as a late batch of views could still name that day (the worker
-- forgets older ones).

-- +goose Up
CREATE TABLE listing_viewers (
  listing_id BINARY(16) NOT NULL,
  day        DATE       NOT NULL,
  user_id    BINARY(16) NOT NULL,
  PRIMARY KEY (listing_id, day, user_id),
  KEY ix_listing_viewers_day (day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE listing_viewers;
