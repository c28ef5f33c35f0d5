-- Orders, reviews, favorites, views (issue 4).
--
-- No double booking: every booking of a listing writes the listing's row (it
-- bumps `version` and counts the booking) after locking it and checking the
-- orders that hold dates, so bookings of one listing are serialised by the
-- row lock on one node and by certification across multi-primary nodes.
-- docs/ARCHITECTURE.md says why this beat a row per booked day.

-- +goose Up
ALTER TABLE listings
  ADD COLUMN bookings     BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN rating_sum   BIGINT NOT NULL DEFAULT 0,
  ADD COLUMN rating_count BIGINT NOT NULL DEFAULT 0,
  -- lower-cased title, district (name and code), block, community and traffic,
  -- newline-separated: keyword search is INSTR on it, byte for byte like the
  -- read model's, so both answer alike
  ADD COLUMN search_text  VARCHAR(1400) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT '',
  ADD KEY ix_listings_bookings (status, city, district, bookings),
  ADD KEY ix_listings_all_bookings (status, bookings);

UPDATE listings l LEFT JOIN areas a ON a.city = l.city AND a.district = l.district
  SET l.search_text = LOWER(CONCAT_WS('\n', l.title, COALESCE(a.district_name, ''), l.district, l.block, l.community, l.traffic));

CREATE TABLE orders (
  id            BINARY(16)   NOT NULL PRIMARY KEY,
  version       BIGINT       NOT NULL,
  listing_id    BINARY(16)   NOT NULL,
  tenant_id     BINARY(16)   NOT NULL,
  landlord_id   BINARY(16)   NOT NULL,
  status        VARCHAR(16)  NOT NULL,
  start_date    DATE         NOT NULL,
  end_date      DATE         NOT NULL, -- exclusive
  months        SMALLINT     NOT NULL,
  days          SMALLINT     NOT NULL,
  monthly_price BIGINT       NOT NULL,
  amount        BIGINT       NOT NULL,
  listing_title VARCHAR(100) NOT NULL,
  city          VARCHAR(32)  NOT NULL,
  district      VARCHAR(32)  NOT NULL,
  reject_reason VARCHAR(500) NOT NULL DEFAULT '',
  rating        TINYINT      NULL,     -- the review, once complete
  review        TEXT         NULL,
  reviewed_at   DATETIME(6)  NULL,
  created_at    DATETIME(6)  NOT NULL,
  updated_at    DATETIME(6)  NOT NULL,
  -- stays that end after a day: past stays of a listing are never scanned
  KEY ix_orders_listing_dates (listing_id, end_date, start_date, status),
  KEY ix_orders_tenant (tenant_id, created_at),
  KEY ix_orders_landlord (landlord_id, created_at),
  KEY ix_orders_due (status, end_date),
  KEY ix_orders_reviews (listing_id, reviewed_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- One row per (user, listing) pair ever favorited; active says whether it is
-- a favorite now. The row stays when removed, keeping the pair's version.
CREATE TABLE favorites (
  user_id     BINARY(16)  NOT NULL,
  listing_id  BINARY(16)  NOT NULL,
  version     BIGINT      NOT NULL,
  active      BOOLEAN     NOT NULL,
  favorited_at DATETIME(6) NOT NULL,
  PRIMARY KEY (user_id, listing_id),
  KEY ix_favorites_user (user_id, active, favorited_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE listing_views (
  listing_id BINARY(16) NOT NULL PRIMARY KEY,
  version    BIGINT     NOT NULL,
  views      BIGINT     NOT NULL,
  KEY ix_listing_views (views)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE view_history (
  user_id BINARY(16) NOT NULL PRIMARY KEY,
  version BIGINT     NOT NULL,
  items   TEXT       NOT NULL -- JSON [{"listing_id","viewed_at"}], most recent first, at most 20
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE view_history;
DROP TABLE listing_views;
DROP TABLE favorites;
DROP TABLE orders;
ALTER TABLE listings
  DROP KEY ix_listings_all_bookings,
  DROP KEY ix_listings_bookings,
  DROP COLUMN search_text,
  DROP COLUMN rating_count,
  DROP COLUMN rating_sum,
  DROP COLUMN bookings;
