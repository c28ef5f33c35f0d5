-- Write model. Ids are UUIDv7 in BINARY(16); every aggregate row carries
-- `version`, bumped by one per command. Works on MySQL 8 and MariaDB 10.11
-- (including Galera, which needs a primary key on every table).

-- +goose Up
CREATE TABLE users (
  id            BINARY(16)   NOT NULL PRIMARY KEY,
  version       BIGINT       NOT NULL,
  email         VARCHAR(254) NULL,
  mobile        VARCHAR(20)  NULL,
  password_hash VARCHAR(100) NOT NULL,
  must_reset_password BOOLEAN NOT NULL DEFAULT FALSE,
  nickname      VARCHAR(32)  NOT NULL,
  roles         VARCHAR(64)  NOT NULL,
  created_at    DATETIME(6)  NOT NULL,
  updated_at    DATETIME(6)  NOT NULL,
  UNIQUE KEY uk_users_email (email),
  UNIQUE KEY uk_users_mobile (mobile)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE sessions (
  token_hash BINARY(32)  NOT NULL PRIMARY KEY,
  user_id    BINARY(16)  NOT NULL,
  created_at DATETIME(6) NOT NULL,
  expires_at DATETIME(6) NOT NULL,
  revoked_at DATETIME(6) NULL,
  KEY ix_sessions_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE areas (
  city          VARCHAR(32) NOT NULL,
  district      VARCHAR(32) NOT NULL,
  city_name     VARCHAR(32) NOT NULL,
  district_name VARCHAR(32) NOT NULL,
  position      INT         NOT NULL,
  PRIMARY KEY (city, district)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE facilities (
  code     VARCHAR(32) NOT NULL PRIMARY KEY,
  name     VARCHAR(32) NOT NULL,
  position INT         NOT NULL,
  UNIQUE KEY uk_facilities_position (position)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE listings (
  id            BINARY(16)    NOT NULL PRIMARY KEY,
  version       BIGINT        NOT NULL,
  landlord_id   BINARY(16)    NOT NULL,
  status        VARCHAR(16)   NOT NULL,
  title         VARCHAR(100)  NOT NULL,
  description   TEXT          NOT NULL,
  city          VARCHAR(32)   NOT NULL,
  district      VARCHAR(32)   NOT NULL,
  block         VARCHAR(64)   NOT NULL,
  community     VARCHAR(64)   NOT NULL,
  address       VARCHAR(200)  NOT NULL,
  rent_type     VARCHAR(8)    NOT NULL,
  bedrooms      SMALLINT      NOT NULL,
  living_rooms  SMALLINT      NOT NULL,
  bathrooms     SMALLINT      NOT NULL,
  area_sqm      DECIMAL(8,2)  NOT NULL,
  orientation   VARCHAR(16)   NOT NULL,
  floor         VARCHAR(32)   NOT NULL,
  price         BIGINT        NOT NULL,
  deposit       BIGINT        NOT NULL,
  min_months    SMALLINT      NOT NULL,
  facilities    VARCHAR(255)  NOT NULL, -- codes in dictionary order, comma-separated
  facility_mask BIGINT UNSIGNED NOT NULL, -- bit i = facility at position i, for "has all" filters
  highlights    VARCHAR(500)  NOT NULL,
  traffic       VARCHAR(500)  NOT NULL,
  cover_image   VARCHAR(1024) NOT NULL,
  images        TEXT          NOT NULL, -- JSON [{"id","url"}] in display order: the aggregate loads in one read
  created_at    DATETIME(6)   NOT NULL,
  updated_at    DATETIME(6)   NOT NULL,
  published_at  DATETIME(6)   NULL,
  KEY ix_listings_landlord (landlord_id, created_at),
  KEY ix_listings_price (status, city, district, price),
  KEY ix_listings_newest (status, city, published_at),
  KEY ix_listings_all_price (status, price),
  KEY ix_listings_all_newest (status, published_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- event_log is permanent: the source for replay. One event per aggregate
-- version (the unique key turns a lost update into an error, on any topology).
CREATE TABLE event_log (
  seq            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id             BINARY(16)   NOT NULL,
  type           VARCHAR(64)  NOT NULL,
  aggregate_type VARCHAR(32)  NOT NULL,
  aggregate_id   BINARY(16)   NOT NULL,
  version        BIGINT       NOT NULL,
  occurred_at    DATETIME(6)  NOT NULL,
  actor          VARCHAR(64)  NOT NULL,
  correlation_id VARCHAR(64)  NOT NULL,
  payload        LONGTEXT     NOT NULL,
  UNIQUE KEY uk_event_log_id (id),
  UNIQUE KEY uk_event_log_aggregate_version (aggregate_id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- outbox holds the event_log positions not yet confirmed on Redis.
CREATE TABLE outbox (
  seq        BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  created_at DATETIME(6)     NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- command_dedup makes a retried command idempotent: the first commit records
-- the command id and its result; a retry finds them and returns that result.
CREATE TABLE command_dedup (
  id         BINARY(16)   NOT NULL PRIMARY KEY,
  result     VARCHAR(255) NOT NULL,
  created_at DATETIME(6)  NOT NULL,
  KEY ix_command_dedup_created (created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- +goose Down
DROP TABLE command_dedup;
DROP TABLE outbox;
DROP TABLE event_log;
DROP TABLE listings;
DROP TABLE facilities;
DROP TABLE areas;
DROP TABLE sessions;
DROP TABLE users;
